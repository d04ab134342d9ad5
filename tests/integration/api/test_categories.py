"""Categories: who may create which, counts over what the caller sees, manual assignment."""

from imagedrive.db import transaction
from tests.integration.api.conftest import audit_actions, call, insert_image, register_and_login


def _system_category(name):
    with transaction() as cur:
        cur.execute("INSERT INTO categories (name) VALUES (%s) RETURNING id", (name,))
        return cur.fetchone()["id"]


def test_users_create_their_own_categories_and_only_admins_system_ones(http):
    alice = register_and_login(http, "alice")
    created = call(http, "POST", "/categories", body={"name": "Cats"}, token=alice.token)
    assert created.status_code == 201 and created.json_body["system"] is False
    duplicate = call(http, "POST", "/categories", body={"name": "cats"}, token=alice.token)
    assert duplicate.status_code == 409 and duplicate.json_body["error"]["code"] == "category_exists"
    refused = call(http, "POST", "/categories", body={"name": "Dogs", "system": True}, token=alice.token)
    assert refused.status_code == 403
    admin = register_and_login(http, "root", role="admin")
    system = call(http, "POST", "/categories", body={"name": "Dogs", "system": True, "prompt": "a photo of a dog"},
                  token=admin.token)
    assert system.status_code == 201 and system.json_body["system"] is True
    bob = register_and_login(http, "bob")
    assert call(http, "POST", "/categories", body={"name": "Cats"}, token=bob.token).status_code == 201
    names = {(c["name"], c["system"]) for c in call(http, "GET", "/categories", token=alice.token).json_body["items"]}
    assert names == {("Cats", False), ("Dogs", True)}  # bob's Cats is not alice's
    assert audit_actions("category.") == ["category.create"] * 3


def test_assign_and_unassign_by_hand_with_counts_over_visible_images(http):
    alice, bob = register_and_login(http, "alice"), register_and_login(http, "bob")
    animals = _system_category("animals")
    own = call(http, "POST", "/categories", body={"name": "mine"}, token=alice.token).json_body["id"]
    bobs = call(http, "POST", "/categories", body={"name": "bobs"}, token=bob.token).json_body["id"]
    private, public = insert_image(alice.id, "p.jpg"), insert_image(alice.id, "q.jpg", visibility="public")
    for image in (private, public):
        changed = call(http, "POST", f"/images/{image}/categories", body={"assign": [animals, own]},
                       token=alice.token)
        assert changed.status_code == 200
        assert {c["id"]: c["source"] for c in changed.json_body["categories"]} == {animals: "manual", own: "manual"}
    foreign = call(http, "POST", f"/images/{private}/categories", body={"assign": [bobs]}, token=alice.token)
    assert foreign.status_code == 404 and foreign.json_body["error"]["details"] == {"category_ids": [bobs]}
    not_owner = call(http, "POST", f"/images/{public}/categories", body={"assign": [animals]}, token=bob.token)
    assert not_owner.status_code == 403

    def counts(user):
        return {c["name"]: c["image_count"] for c in call(http, "GET", "/categories", token=user.token)
                .json_body["items"]}

    assert counts(alice) == {"animals": 2, "mine": 2}
    assert counts(bob) == {"animals": 1, "bobs": 0}  # alice's private image is not counted for bob
    unassigned = call(http, "POST", f"/images/{private}/categories", body={"unassign": [own]}, token=alice.token)
    assert [c["id"] for c in unassigned.json_body["categories"]] == [animals]
    listed = call(http, "GET", f"/images/{private}/categories", token=alice.token).json_body
    assert listed["image_id"] == private and len(listed["categories"]) == 1
    both = call(http, "POST", f"/images/{private}/categories", body={"assign": [own], "unassign": [own]},
                token=alice.token)
    assert both.status_code == 422
