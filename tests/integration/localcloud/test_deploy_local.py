"""The template's LocalStack-hostable resources, deployed from infra/template.yaml itself."""

import json
from urllib.parse import unquote_plus

from imagedrive.aws import client, queue_url
from localcloud import deploy_local
from tests.fixtures.cloud import drain


def test_the_template_deploys_to_localstack_and_its_upload_wiring_works(cloud):
    environment = deploy_local.deploy(cloud)
    assert deploy_local.deploy(cloud) == environment, "a second deploy is an update with nothing to change"

    bucket, queue = environment["IMAGEDRIVE_ORIGINALS_BUCKET"], environment["IMAGEDRIVE_INGEST_QUEUE"]
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url(queue), AttributeNames=["All"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith(queue + "-dlq")
    assert attributes["VisibilityTimeout"] == "720"

    drain(queue)
    key = "uploads/7/u/photo 1%.jpg"
    client("s3").put_object(Bucket=bucket, Key=key, Body=b"x")
    client("s3").put_object(Bucket=bucket, Key="elsewhere/x.jpg", Body=b"x")
    records = [r for m in drain(queue, quiet_s=2) for r in json.loads(m["Body"]).get("Records", [])]
    assert [unquote_plus(r["s3"]["object"]["key"]) for r in records] == [key]
    assert (cloud.run_dir / "deploy-local.env").read_text().count("IMAGEDRIVE_") == len(environment)
