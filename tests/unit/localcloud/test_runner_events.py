from localcloud.runner import LambdaContext, failed_ids, to_sqs_event

MESSAGE = {
    "MessageId": "m-1",
    "ReceiptHandle": "rh-1",
    "Body": '{"Records": []}',
    "MD5OfBody": "abc",
    "Attributes": {"ApproximateReceiveCount": "1"},
    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}},
}


def test_receive_output_becomes_a_lambda_sqs_event():
    event = to_sqs_event([MESSAGE], "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1")
    (record,) = event["Records"]
    assert record["messageId"] == "m-1"
    assert record["receiptHandle"] == "rh-1"
    assert record["body"] == MESSAGE["Body"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":q")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "x"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"


def test_reported_failures_are_kept_and_the_rest_deleted():
    batch = {"a", "b", "c"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, batch) == {"b"}
    assert failed_ids({"batchItemFailures": []}, batch) == set()
    assert failed_ids(None, batch) == set()


def test_an_unknown_identifier_fails_the_whole_batch_as_lambda_does():
    batch = {"a", "b"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, batch) == batch
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, batch) == batch


def test_context_counts_down():
    context = LambdaContext("ingest", timeout_s=30)
    assert 0 < context.get_remaining_time_in_millis() <= 30_000
    assert context.function_name == "ingest"
