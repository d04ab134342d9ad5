"""Developer commands for the local drive: `python -m localcloud up|down|status|…` (./dev calls it)."""

from __future__ import annotations

import argparse

from imagedrive.settings import Settings, get_settings
from localcloud import deploy_local, node, postgres, server, stack


def _deploy_local(settings: Settings) -> None:
    server.start(settings)
    deploy_local.deploy(settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="localcloud", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [
        ("up", "start Postgres, the local AWS, the event runner, the API and the web app; print its URL"),
        ("down", "stop everything `up` started"),
        ("status", "what is running"),
        ("db", "start Postgres and apply migrations"),
        ("db-stop", "stop Postgres"),
        ("cloud", "start LocalStack and bootstrap its resources"),
        ("cloud-stop", "stop LocalStack"),
        ("models", "export random-init models when none are present"),
        ("deploy-local", "deploy the template's buckets, queues and secrets to LocalStack's CloudFormation"),
        ("web", "build the web app (web/dist) when its sources changed"),
        ("web-types", "regenerate web/src/api/schema.d.ts from the API's OpenAPI document"),
    ]:
        commands.add_parser(name, help=help_text)
    args = parser.parse_args(argv)
    settings = get_settings()
    actions = {
        "up": stack.up, "down": stack.down, "status": stack.status, "db": stack.start_database,
        "db-stop": lambda s: postgres.stop(postgres.cluster_from_settings(s)),
        "cloud": stack.start_cloud, "cloud-stop": server.stop, "models": stack.ensure_models,
        "deploy-local": _deploy_local,
        "web": lambda s: print(node.ensure_web_built()), "web-types": lambda s: print(node.write_api_types()),
    }
    actions[args.command](settings)


if __name__ == "__main__":
    main()
