"""`./dev deploy-local`: the part of infra/template.yaml that LocalStack's community edition can
host (buckets with their CORS, lifecycle and S3 → SQS notifications, queues with redrive,
queue policy, secrets), deployed from the template itself through LocalStack's CloudFormation,
so the local cloud and AWS are described by one file. Lambda, VPC, RDS and IAM stay out: the
event runner, the project-local Postgres and the absence of IAM stand in for them locally.

The stack's names are written to .run/deploy-local.env; `set -a; . .run/deploy-local.env` points
the drive at them. `./dev up` keeps using the faster, equivalent bootstrap.
"""

from __future__ import annotations

import json
import time
from typing import Any

from cfnlint.decode import cfn_yaml

from imagedrive.aws import client
from imagedrive.log import logger
from imagedrive.settings import Settings
from localcloud.paths import REPO_ROOT

TEMPLATE = REPO_ROOT / "infra" / "template.yaml"
STACK_NAME = "imagedrive-local"
HOSTED_TYPES = {"AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::SecretsManager::Secret"}
OUTPUTS = {
    "IMAGEDRIVE_ORIGINALS_BUCKET": ("OriginalsBucket", "Ref"),
    "IMAGEDRIVE_DERIVED_BUCKET": ("DerivedBucket", "Ref"),
    "IMAGEDRIVE_INGEST_QUEUE": ("IngestQueue", "QueueName"),
    "IMAGEDRIVE_INDEX_QUEUE": ("IndexQueue", "QueueName"),
    "IMAGEDRIVE_JWT_SECRET_NAME": ("JwtSecret", "Ref"),
}


class DeployError(RuntimeError):
    pass


def local_template(path=TEMPLATE) -> dict[str, Any]:
    """The hosted subset of the template, as a plain CloudFormation template."""
    source = json.loads(json.dumps(cfn_yaml.load(str(path))))  # cfn-lint's nodes → plain dicts
    resources = {name: r for name, r in source["Resources"].items() if r.get("Type") in HOSTED_TYPES}
    for resource in resources.values():
        depends = resource.get("DependsOn")
        if depends:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d in resources]
            resource.pop("DependsOn")
            if kept:
                resource["DependsOn"] = kept
    used = {"Stage", "SpaOrigin"}
    outputs = {
        variable.removeprefix("IMAGEDRIVE_").title().replace("_", ""): {
            "Value": {"Ref": name} if attribute == "Ref" else {"Fn::GetAtt": [name, attribute]}
        }
        for variable, (name, attribute) in OUTPUTS.items()
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Image Drive resources LocalStack hosts (from infra/template.yaml)",
        "Parameters": {k: v for k, v in source["Parameters"].items() if k in used},
        "Resources": resources,
        "Outputs": outputs,
    }


def deploy(settings: Settings, *, timeout_s: float = 120) -> dict[str, str]:
    """Create or update the stack; return the environment that points the drive at it."""
    cloudformation = client("cloudformation")
    body = json.dumps(local_template())
    parameters = [{"ParameterKey": "Stage", "ParameterValue": "dev"},
                  {"ParameterKey": "SpaOrigin", "ParameterValue": settings.spa_origin}]
    exists = any(s["StackStatus"] != "DELETE_COMPLETE"
                 for s in cloudformation.list_stacks()["StackSummaries"] if s["StackName"] == STACK_NAME)
    if exists:
        try:
            cloudformation.update_stack(StackName=STACK_NAME, TemplateBody=body, Parameters=parameters)
        except cloudformation.exceptions.ClientError as error:
            if "No updates" not in str(error):
                raise
    else:
        cloudformation.create_stack(StackName=STACK_NAME, TemplateBody=body, Parameters=parameters)
    stack = _wait(cloudformation, timeout_s)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    environment = {
        variable: outputs[variable.removeprefix("IMAGEDRIVE_").title().replace("_", "")] for variable in OUTPUTS
    }
    env_file = settings.run_dir / "deploy-local.env"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text("".join(f"{k}={v}\n" for k, v in environment.items()))
    logger.info("local stack deployed", extra={"stack": STACK_NAME, "env_file": str(env_file), **environment})
    return environment


def _wait(cloudformation: Any, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        stack = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
        status = stack["StackStatus"]
        if not status.endswith("IN_PROGRESS"):
            if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                raise DeployError(f"{STACK_NAME} ended {status}: {stack.get('StackStatusReason')}")
            return stack
        time.sleep(1)
    raise DeployError(f"{STACK_NAME} did not finish within {timeout_s:.0f}s")
