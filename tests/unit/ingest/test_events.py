from imagedrive.ingest.events import created_objects


def _notification(key: str, event_name: str = "ObjectCreated:Put") -> dict:
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventName": event_name,
        "s3": {"bucket": {"name": "originals"}, "object": {"key": key, "size": 3}},
    }]}


def test_keys_are_url_decoded_as_s3_encodes_them():
    (ref,) = created_objects(_notification("uploads/1/u/a+b%25+%E6%94%B6%E6%8D%AE.jpg"))
    assert (ref.bucket, ref.key) == ("originals", "uploads/1/u/a b% 收据.jpg")
    (ref,) = created_objects(_notification("uploads/1/u/photo%200.jpg"))
    assert ref.key == "uploads/1/u/photo 0.jpg"


def test_the_test_event_and_other_event_kinds_name_no_object():
    assert created_objects({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "originals"}) == []
    assert created_objects(_notification("uploads/1/u/a.jpg", "ObjectRemoved:Delete")) == []


def test_a_synthetic_event_reads_back_as_the_object_it_names():
    from imagedrive.ingest.events import object_created_event
    from imagedrive.storage import ObjectRef

    ref = ObjectRef("originals", "drop/alice/receipts/a b+c% 收据.jpg")
    assert created_objects(object_created_event(ref, 3)) == [ref]
