"""Limits the template restates are the settings' own: the template is parsed as written and compared
with the settings' defaults (tests/conftest.py overrides some in the environment, which the
template never sees)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from imagedrive.settings import Settings

TEMPLATE = Path(__file__).resolve().parents[3] / "infra" / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads `!Ref`, `!GetAtt`, `!Sub`… as plain {tag: value} nodes: only literal values matter here."""


def _tagged(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        return {tag: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {tag: loader.construct_sequence(node, deep=True)}
    return {tag: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_CloudFormationLoader.add_multi_constructor("!", _tagged)


def _resources() -> dict[str, Any]:
    return dict(yaml.load(TEMPLATE.read_text(), Loader=_CloudFormationLoader)["Resources"])  # noqa: S506


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


def test_every_queue_redrives_after_the_settings_max_receive_count():
    queues = {name: resource["Properties"] for name, resource in _resources().items()
              if resource.get("Type") == "AWS::SQS::Queue" and "RedrivePolicy" in resource["Properties"]}
    assert set(queues) == {"IngestQueue", "IndexQueue"}
    for name, properties in queues.items():
        assert int(properties["RedrivePolicy"]["maxReceiveCount"]) == _default("max_receive_count"), name


def test_a_function_told_the_max_receive_count_is_told_the_settings_value():
    variables = {name: resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
                 for name, resource in _resources().items()}
    told = {name: values["IMAGEDRIVE_MAX_RECEIVE_COUNT"] for name, values in variables.items()
            if "IMAGEDRIVE_MAX_RECEIVE_COUNT" in values}
    assert told, "the ingest function must know when a receive is the last"
    assert all(int(value) == _default("max_receive_count") for value in told.values()), told


def test_the_accepted_image_types_are_the_decoders_formats():
    from imagedrive.image_types import MIME_BY_FORMAT, MIME_BY_SUFFIX

    assert _default("upload_content_types") == tuple(MIME_BY_FORMAT.values())
    assert set(MIME_BY_SUFFIX.values()) == set(MIME_BY_FORMAT.values())
