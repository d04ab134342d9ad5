"""The AWS template, checked offline: the merged Chalice + SAM template lints, transforms, names
real handlers, wires queues as designed, and grants each function only what it uses."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from infra.build import MERGED_TEMPLATE, package_api
from localcloud.paths import REPO_ROOT

IMAGE_FUNCTIONS = {"IngestFunction": "ingest", "IndexBuilderFunction": "index_builder", "QueryFunction": "query"}
ZIP_FUNCTIONS = {"MigrationFunction": "migrate", "ReconcilerFunction": "reconciler"}


@pytest.fixture(scope="module")
def merged() -> dict:
    return yaml.safe_load(package_api("dev").read_text())


@pytest.fixture(scope="module")
def resources(merged) -> dict:
    return merged["Resources"]


def test_cfn_lint_passes_on_the_merged_template(merged):
    result = subprocess.run([Path(sys.executable).with_name("cfn-lint"), str(MERGED_TEMPLATE)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _as_packaged(template: dict) -> dict:
    """What `sam package` hands CloudFormation: code in S3, images in ECR."""
    packaged = copy.deepcopy(template)
    for name, resource in packaged["Resources"].items():
        properties = resource.get("Properties", {})
        if "CodeUri" in properties:
            properties["CodeUri"] = f"s3://artifacts/{name}.zip"
        if "ContentUri" in properties:
            properties["ContentUri"] = f"s3://artifacts/{name}.zip"
        if properties.get("PackageType") == "Image":
            properties["ImageUri"] = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name.lower()}:latest"
    return packaged


def test_the_sam_translator_transforms_it(merged, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    # Every managed policy is named by ARN, so the translator needs no IAM lookup (an empty map).
    try:
        output = Translator({}, Parser()).translate(_as_packaged(merged), parameter_values={})
    except InvalidDocumentException as error:
        pytest.fail("; ".join(str(cause) for cause in error.causes))
    types = [r["Type"] for r in output["Resources"].values()]
    assert types.count("AWS::Lambda::Function") == 6  # api, ingest, index builder, query, migrations, reconciler
    mappings = [r["Properties"] for r in output["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == 2
    assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)


def _load_callable(path: Path, attribute: str):
    spec = importlib.util.spec_from_file_location(f"handler_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attribute)


def test_every_handler_named_in_the_template_is_a_real_function(resources):
    functions = {name: r for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert set(IMAGE_FUNCTIONS) | {"APIHandler", *ZIP_FUNCTIONS} == set(functions)
    for name, folder in IMAGE_FUNCTIONS.items():
        module, attribute = functions[name]["Properties"]["ImageConfig"]["Command"][0].split(".")
        dockerfile = REPO_ROOT / functions[name]["Metadata"]["Dockerfile"]
        assert dockerfile.parent == REPO_ROOT / "functions" / folder and dockerfile.exists()
        assert f"COPY functions/{folder}/{module}.py" in dockerfile.read_text()
        assert callable(_load_callable(dockerfile.parent / f"{module}.py", attribute))
    for name, folder in ZIP_FUNCTIONS.items():
        properties = functions[name]["Properties"]
        module, attribute = properties["Handler"].split(".")
        code = (MERGED_TEMPLATE.parent / properties["CodeUri"]).resolve()
        assert code == REPO_ROOT / "functions" / folder
        assert callable(_load_callable(code / f"{module}.py", attribute))
    assert functions["APIHandler"]["Properties"]["Handler"] == "app.app"
    assert callable(_load_callable(REPO_ROOT / "functions" / "api" / "app.py", "app"))


def test_queues_redrive_to_their_dlq_and_outlast_their_consumer_six_times(resources):
    consumers = {"IngestQueue": "IngestFunction", "IndexQueue": "IndexBuilderFunction"}
    for queue, function in consumers.items():
        properties = resources[queue]["Properties"]
        assert properties["VisibilityTimeout"] == 6 * resources[function]["Properties"]["Timeout"]
        assert properties["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].endswith("DeadLetterQueue")
        events = resources[function]["Properties"]["Events"]
        (event,) = events.values()
        assert event["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}


def test_uploads_and_the_drop_folder_notify_the_ingest_queue(resources):
    notifications = resources["OriginalsBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    prefixes = {n["Filter"]["S3Key"]["Rules"][0]["Value"] for n in notifications}
    assert prefixes == {"uploads/", "drop/"}
    assert all(n["Queue"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]} for n in notifications)


def _statements(resources: dict, function: str) -> list[dict]:
    if function == "APIHandler":
        policies = resources["ApiRole"]["Properties"]["Policies"]
        return [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    return [s for p in resources[function]["Properties"]["Policies"] for s in p["Statement"]]


def _grants(resources: dict, function: str) -> set[tuple[str, str]]:
    """(action, resource) pairs, with resources written as the template writes them."""
    grants = set()
    for statement in _statements(resources, function):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for target in targets:
            text = yaml.safe_dump(target).strip()
            assert text != "'*'", f"{function} has a wildcard resource"
            grants |= {(action, text) for action in actions}
    return grants


def _names(grants: set[tuple[str, str]]) -> str:
    return " ".join(sorted(resource for _, resource in grants))


def test_each_function_is_granted_only_the_resources_it_uses(resources):
    ingest = _grants(resources, "IngestFunction")
    assert "exports/" not in _names(ingest) and "indexes/" not in _names(ingest)
    assert {a for a, r in ingest if "thumbnails/" in r} == {"s3:PutObject"}
    assert not any(a.startswith("lambda:") for a, _ in ingest)

    builder = _grants(resources, "IndexBuilderFunction")
    assert all("indexes/" in r or "MasterUserSecret" in r or "DerivedBucket" in r for _, r in builder)
    assert "OriginalsBucket" not in _names(builder)

    query = _grants(resources, "QueryFunction")
    assert all("indexes/" in r for a, r in query if "DerivedBucket" in r), "the query function touches indexes only"
    assert all("queries/" in r for _, r in query if "OriginalsBucket" in r), "no original is readable by it"
    assert "JwtSecret" not in _names(query)

    api = _grants(resources, "APIHandler")
    assert ("lambda:InvokeFunction", "Fn::GetAtt:\n- QueryFunction\n- Arn") in api
    assert "JwtSecret" in _names(api)
    assert "indexes/" not in _names(api)
    assert {a for a, r in api if "queries/" in r} == {"s3:PutObject"}, "the API presigns query pictures, no more"

    migrations = _grants(resources, "MigrationFunction")
    assert {a for a, _ in migrations} == {"secretsmanager:GetSecretValue"}

    reconciler = _grants(resources, "ReconcilerFunction")
    assert {a for a, _ in reconciler} == {"s3:ListBucket", "s3:GetObject", "sqs:SendMessage", "sqs:GetQueueUrl",
                                          "secretsmanager:GetSecretValue"}, "it reads, lists and asks; never deletes"
    assert not any(a in ("s3:PutObject", "s3:DeleteObject") for a, _ in reconciler)
    assert "thumbnails/" not in _names(reconciler) and "exports/" not in _names(reconciler)
    assert {r for a, r in reconciler if a == "sqs:SendMessage"} == {
        "Fn::GetAtt:\n- IngestQueue\n- Arn", "Fn::GetAtt:\n- IndexQueue\n- Arn"}
    for function in ("IngestFunction", "IndexBuilderFunction", "QueryFunction", "MigrationFunction",
                     "ReconcilerFunction"):
        assert "JwtSecret" not in _names(_grants(resources, function)), "only the API signs tokens"


def test_the_database_is_private_and_reached_through_the_proxy(resources):
    database = resources["Database"]["Properties"]
    assert database["PubliclyAccessible"] is False and database["StorageEncrypted"] is True
    assert database["ManageMasterUserPassword"] is True
    assert resources["DatabaseProxy"]["Properties"]["RequireTLS"] is True
    types = {r["Type"] for r in resources.values()}
    assert "AWS::EC2::NatGateway" not in types and "AWS::EC2::InternetGateway" not in types
    endpoints = {yaml.safe_dump(r["Properties"]["ServiceName"]) for r in resources.values()
                 if r["Type"] == "AWS::EC2::VPCEndpoint"}
    assert all(any(service in e for e in endpoints) for service in (".s3", ".sqs", ".secretsmanager"))


def test_the_api_waits_out_the_query_function_once(resources):
    """A slow search must not be sent again while the first still runs: one attempt, and a read
    timeout longer than the function may run."""
    from imagedrive.search.client import query_invoker
    from imagedrive.settings import get_settings

    timeout_s = resources["QueryFunction"]["Properties"]["Timeout"]
    assert timeout_s == get_settings().query_function_timeout_s
    config = query_invoker().meta.config
    assert config.read_timeout > timeout_s
    assert config.retries["total_max_attempts"] == 1


def test_the_reconciler_runs_on_a_schedule(resources):
    events = resources["ReconcilerFunction"]["Properties"]["Events"]
    (event,) = events.values()
    assert event["Type"] == "Schedule" and event["Properties"]["Schedule"].startswith("rate(")


# ---------------------------------------------------------------- the web app on one origin with the API
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _distribution(resources: dict) -> dict:
    return resources["AppDistribution"]["Properties"]["DistributionConfig"]


def test_the_distribution_serves_the_app_bucket_through_oac_and_the_api_under_api(resources):
    config = _distribution(resources)
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert set(origins) == {"app", "api"}
    app = origins["app"]
    assert app["DomainName"] == {"Fn::GetAtt": ["AppBucket", "RegionalDomainName"]}
    assert app["OriginAccessControlId"] == {"Fn::GetAtt": ["AppOriginAccessControl", "Id"]}
    assert app["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "OAC, not the legacy identity"
    api = origins["api"]
    assert api["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    # No origin path: the viewer's /api/auth/login is the stage `api`, route /auth/login.
    assert not api.get("OriginPath")
    assert resources["RestAPI"]["Properties"]["StageName"] == "api"

    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "app"
    (api_behaviour,) = config["CacheBehaviors"]
    assert api_behaviour["PathPattern"] == "/api/*" and api_behaviour["TargetOriginId"] == "api"
    assert api_behaviour["CachePolicyId"] == CACHING_DISABLED
    assert api_behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(api_behaviour["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api_behaviour["Compress"] is True and "FunctionAssociations" not in api_behaviour


def test_the_app_bucket_is_private_and_readable_only_by_the_distribution(resources):
    bucket = resources["AppBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert "WebsiteConfiguration" not in bucket
    policy = resources["AppBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "AppBucket"}
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${AppDistribution}")
    oac = resources["AppOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3" and oac["SigningBehavior"] == "always"


def test_deep_links_serve_index_html_and_files_stay_files(resources):
    """The viewer-request function itself, run by Node: the app's routes become /index.html, files do not."""
    from localcloud.node import node_path

    (association,) = _distribution(resources)["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert association["FunctionARN"] == {"Fn::GetAtt": ["AppRouteRewrite", "FunctionMetadata.FunctionARN"]}
    code = resources["AppRouteRewrite"]["Properties"]["FunctionCode"]
    uris = ["/", "/search", "/images/42", "/assets/index-abc123.js", "/favicon.ico", "/index.html"]
    script = code + f"console.log(JSON.stringify({uris!r}.map(u => handler({{request: {{uri: u}}}}).uri)));"
    out = subprocess.run([str(node_path()), "-e", script], capture_output=True, text=True, check=True).stdout
    assert dict(zip(uris, yaml.safe_load(out), strict=True)) == {
        "/": "/index.html", "/search": "/index.html", "/images/42": "/index.html",
        "/assets/index-abc123.js": "/assets/index-abc123.js", "/favicon.ico": "/favicon.ico",
        "/index.html": "/index.html"}


def test_the_api_scopes_its_refresh_cookie_under_the_path_cloudfront_serves_it_at(resources, monkeypatch):
    from imagedrive.auth.cookies import session_cookies
    from imagedrive.settings import get_settings

    base_path = resources["APIHandler"]["Properties"]["Environment"]["Variables"]["IMAGEDRIVE_API_BASE_PATH"]
    (api_behaviour,) = _distribution(resources)["CacheBehaviors"]
    assert api_behaviour["PathPattern"] == f"{base_path}/*"
    monkeypatch.setenv("IMAGEDRIVE_API_BASE_PATH", base_path)
    get_settings.cache_clear()
    try:
        refresh, _ = session_cookies("r", "c", max_age=60, secure=True)
    finally:
        monkeypatch.delenv("IMAGEDRIVE_API_BASE_PATH")
        get_settings.cache_clear()
    assert "Path=/api/auth;" in refresh


def test_the_app_url_is_an_output(merged):
    assert {"AppUrl", "AppBucketName", "AppDistributionId"} <= set(merged["Outputs"])


# ---------------------------------------------------------------- Python 3.13
def _ocr_wheel_refuses_python(version: str) -> bool:
    """Whether the pinned rapidocr-onnxruntime declares it cannot run on `version`."""
    from importlib.metadata import metadata

    from packaging.specifiers import SpecifierSet

    pin = next(line for line in (REPO_ROOT / "requirements" / "inference.txt").read_text().splitlines()
               if line.startswith("rapidocr-onnxruntime=="))
    installed = metadata("rapidocr-onnxruntime")
    assert installed["Version"] == pin.split("==")[1].split()[0]
    return version not in SpecifierSet(installed["Requires-Python"] or "")


def test_every_function_and_the_layer_run_python_3_13(resources):
    from layers.build_layer import PYTHON_VERSION

    assert PYTHON_VERSION == "3.13"
    assert resources["SharedLayer"]["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    for name in (*ZIP_FUNCTIONS, "APIHandler"):
        assert resources[name]["Properties"]["Runtime"] == "python3.13", name
    for name, folder in IMAGE_FUNCTIONS.items():
        stages = [line.split()[1] for line in (REPO_ROOT / "functions" / folder / "Dockerfile").read_text().splitlines()
                  if line.startswith("FROM ")]
        version = stages[-1].rsplit(":", 1)[1]  # the last stage is the function's image
        assert resources[name]["Metadata"]["DockerTag"].startswith(f"python{version}")
        if version != "3.13":
            # The OCR wheel both images install (requirements/inference.txt) holds them back, and only it:
            # once its pin allows 3.13, this fails and the images move.
            assert version == "3.11" and _ocr_wheel_refuses_python("3.13"), f"{folder} runs {version}"
