"""MessageQueue: MemoryQueue (unit tests) behaves as SqsQueue (production)."""

from __future__ import annotations


def test_sent_bodies_arrive_whole_and_are_counted(message_queue):
    queue, receive = message_queue
    queue.send({"users": [3, 1], "note": "中文"})
    assert queue.depth() == 1
    assert receive() == [{"users": [3, 1], "note": "中文"}]
    assert queue.depth() == 0


def test_many_bodies_go_in_batches_and_none_is_lost(message_queue):
    queue, receive = message_queue
    bodies = [{"n": n} for n in range(23)]  # three SendMessageBatch calls
    queue.send_many(bodies)
    assert queue.depth() == 23
    assert sorted(receive(), key=lambda body: body["n"]) == bodies


def test_a_sent_body_is_a_copy(message_queue):
    queue, receive = message_queue
    body = {"users": [1]}
    queue.send(body)
    body["users"].append(2)
    assert receive() == [{"users": [1]}]
