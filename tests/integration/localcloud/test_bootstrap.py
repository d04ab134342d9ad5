import json
from urllib.parse import unquote_plus

from imagedrive.aws import client, queue_url
from localcloud.bootstrap import bootstrap
from tests.fixtures.cloud import drain


def _object_keys(messages):
    keys = []
    for message in messages:
        body = json.loads(message["Body"])
        keys += [unquote_plus(r["s3"]["object"]["key"]) for r in body.get("Records", [])]
    return keys


def test_bootstrap_twice_is_harmless(cloud):
    first = bootstrap(cloud)
    drain(cloud.ingest_queue)
    second = bootstrap(cloud)
    assert first == second
    # The second run rewrote nothing that makes S3 talk: no s3:TestEvent arrives.
    assert drain(cloud.ingest_queue) == []
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url(cloud.ingest_queue), AttributeNames=["RedrivePolicy", "VisibilityTimeout"]
    )["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":" + cloud.ingest_dlq)
    assert int(redrive["maxReceiveCount"]) == cloud.max_receive_count
    configurations = client("s3").get_bucket_notification_configuration(Bucket=cloud.originals_bucket)
    assert len(configurations["QueueConfigurations"]) == 2
    cors = client("s3").get_bucket_cors(Bucket=cloud.originals_bucket)["CORSRules"]
    assert cors[0]["AllowedOrigins"] == [cloud.spa_origin]
    assert "POST" in cors[0]["AllowedMethods"]


def test_an_upload_yields_exactly_one_ingest_message_with_the_decoded_key(cloud):
    drain(cloud.ingest_queue)
    key = "uploads/u1/a b%.jpg"
    client("s3").put_object(Bucket=cloud.originals_bucket, Key=key, Body=b"not really a jpeg")
    assert _object_keys(drain(cloud.ingest_queue, quiet_s=2)) == [key]


def test_a_drop_folder_object_yields_a_message_too(cloud):
    drain(cloud.ingest_queue)
    key = "drop/system/receipts/收据 1.png"
    client("s3").put_object(Bucket=cloud.originals_bucket, Key=key, Body=b"x")
    assert _object_keys(drain(cloud.ingest_queue, quiet_s=2)) == [key]


def test_an_object_outside_the_ingest_prefixes_yields_none(cloud):
    drain(cloud.ingest_queue)
    client("s3").put_object(Bucket=cloud.originals_bucket, Key="quarantine/u1/x.jpg", Body=b"x")
    client("s3").put_object(Bucket=cloud.originals_bucket, Key="notuploads/x.jpg", Body=b"x")
    assert drain(cloud.ingest_queue, quiet_s=2) == []


def test_secrets_hold_the_database_url_and_a_jwt_key(cloud):
    manager = client("secretsmanager")
    assert manager.get_secret_value(SecretId=cloud.database_secret_name)["SecretString"] == cloud.local_database_url
    jwt_key = manager.get_secret_value(SecretId=cloud.jwt_secret_name)["SecretString"]
    bootstrap(cloud)
    assert manager.get_secret_value(SecretId=cloud.jwt_secret_name)["SecretString"] == jwt_key
    assert len(jwt_key) >= 32
