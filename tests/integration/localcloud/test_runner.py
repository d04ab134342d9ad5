import time

import pytest

from imagedrive.aws import client, queue_url
from localcloud.bootstrap import ensure_queue
from localcloud.runner import EventRunner, Route
from tests.fixtures.cloud import drain

QUEUE = "imagedrive-test-runner"


@pytest.fixture
def runner_queue(cloud):
    dlq = ensure_queue(QUEUE + "-dlq", cloud, redrive_to=None)
    ensure_queue(QUEUE, cloud, redrive_to=dlq)
    drain(QUEUE)
    drain(QUEUE + "-dlq")
    return QUEUE


class RecordingHandler:
    """A function that fails every record whose body says "poison", as ReportBatchItemFailures."""

    def __init__(self):
        self.events = []

    def __call__(self, event, context):
        self.events.append(event)
        return {"batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "poison"
        ]}

    def bodies(self):
        return [r["body"] for event in self.events for r in event["Records"]]


def test_failed_records_come_back_and_land_in_the_dlq_while_the_rest_are_deleted(cloud, runner_queue):
    sqs = client("sqs")
    url = queue_url(runner_queue)
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": body} for i, body in enumerate(["first", "poison", "third"])
    ])
    handler = RecordingHandler()
    runner = EventRunner([Route(runner_queue, "test-function", handler)], cloud)
    route = runner.routes[0]

    dead = []
    deadline = time.monotonic() + 30
    while not dead and time.monotonic() < deadline:
        runner.poll_once(route)
        dead = sqs.receive_message(QueueUrl=queue_url(runner_queue + "-dlq"), WaitTimeSeconds=0).get("Messages", [])

    assert [m["Body"] for m in dead] == ["poison"]
    bodies = handler.bodies()
    assert bodies.count("first") == 1 and bodies.count("third") == 1, "successes are deleted, not redelivered"
    assert bodies.count("poison") == cloud.max_receive_count, "a failed record comes back until redrive"
    first_record = handler.events[0]["Records"][0]
    assert first_record["eventSource"] == "aws:sqs" and first_record["receiptHandle"]
    assert drain(runner_queue) == []


def test_a_handler_that_raises_leaves_its_whole_batch_for_retry(cloud, runner_queue):
    sqs = client("sqs")
    sqs.send_message(QueueUrl=queue_url(runner_queue), MessageBody="boom")
    calls = []

    def crashing(event, context):
        calls.append(event)
        raise RuntimeError("database down")

    runner = EventRunner([Route(runner_queue, "crashing", crashing)], cloud)
    outcome = runner.poll_once(runner.routes[0])
    assert (outcome.received, outcome.deleted, outcome.failed) == (1, 0, 1)
    time.sleep(cloud.queue_visibility_timeout_s + 0.5)
    # Back on the queue after the visibility timeout: the retry path SQS provides.
    assert [m["Body"] for m in drain(runner_queue)] == ["boom"]


def test_batches_hold_up_to_ten_records(cloud, runner_queue):
    sqs = client("sqs")
    url = queue_url(runner_queue)
    for start in (0, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"m{i}"} for i in range(start, start + 10)
        ])
    handler = RecordingHandler()
    runner = EventRunner([Route(runner_queue, "test-function", handler)], cloud)
    deadline = time.monotonic() + 20
    while len(handler.bodies()) < 20 and time.monotonic() < deadline:
        runner.poll_once(runner.routes[0])
    assert sorted(handler.bodies()) == sorted(f"m{i}" for i in range(20))
    assert max(len(e["Records"]) for e in handler.events) <= 10
    assert drain(runner_queue) == []
