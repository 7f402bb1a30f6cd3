"""``manage.py scenarios validate|verify|list|schema``: the trainer's tools for scenario folders.

``validate`` checks the format only (every problem of every scenario, then exit 1 if any);
``verify`` dry-runs blank attempt, reference solution and mutants (autograder.verify, loaded only
when asked for, since it needs a browser); ``schema`` prints the JSON Schema of scenario.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from task_scenarios.loader import ScenarioLoadError, catalog_folders, catalog_root, load_scenario
from task_scenarios.schema import scenario_json_schema


def resolve_targets(targets: list[str], catalog: Path) -> list[Path]:
    """Slugs (folders of the catalog) or paths to scenario folders; none = the whole catalog."""
    if not targets:
        return catalog_folders(catalog)
    folders = []
    for target in targets:
        path = Path(target)
        folders.append(path if ("/" in target or path.is_dir()) and path.is_dir() else catalog / target)
    return folders


class Command(BaseCommand):
    help = _("场景工具：validate（校验格式）、verify（试运行验证）、list（列出）、schema（输出 JSON Schema）")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, text in (("validate", _("校验场景格式，列出所有问题")),
                           ("verify", _("试运行：空白作答≈0分，参考解法满分，错误解法恰好失去声明的评分项")),
                           ("list", _("列出目录中的场景"))):
            command = sub.add_parser(name, help=text)
            command.add_argument("targets", nargs="*", help=_("场景 slug 或场景目录路径（默认：全部）"))
            command.add_argument("--catalog", default=None, help=_("场景目录（默认：task_scenarios/catalog）"))
            if name == "verify":
                command.add_argument("--seeds", type=int, default=2,
                                     help=_("每个场景验证的变体数（种子由场景 UUID 推出，可复现；默认 2）"))
                command.add_argument("--require-personas", action="store_true",
                                     help=_("人设不足（至少 10 个，各类型齐全）的场景判为未通过"))
                command.add_argument("--personas", choices=("all", "rotate", "none"), default="all",
                                     help=_("人设运行方式：all 每个种子都运行全部人设（默认）；rotate 每个人设只在一个种子上运行（按日期轮换，CI 用）；none 不运行人设"))
        sub.add_parser("schema", help=_("输出 scenario.yaml 的 JSON Schema"))

    def handle(self, *args, **options):
        subcommand = options["subcommand"]
        if subcommand == "schema":
            self.stdout.write(json.dumps(scenario_json_schema(), ensure_ascii=False, indent=2))
            return
        catalog = Path(options["catalog"]) if options.get("catalog") else catalog_root()
        if subcommand == "verify":
            return self.verify(catalog, options)
        folders = resolve_targets(options["targets"], catalog)
        if subcommand == "list":
            return self.list_scenarios(folders)
        return self.validate(folders)

    def validate(self, folders: list[Path]) -> None:
        if not folders:
            self.stdout.write(_("没有找到场景。"))
            return
        failed = 0
        for folder in folders:
            try:
                scenario = load_scenario(folder)
            except ScenarioLoadError as exc:
                failed += 1
                self.stderr.write(_("✗ %(slug)s：%(n)d 个问题") % {"slug": folder.name, "n": len(exc.problems)})
                for problem in exc.problems:
                    self.stderr.write(f"  {folder.name}/{problem}")
                continue
            self.stdout.write(_("✓ %(slug)s v%(version)s（%(n)d 个评分项，%(points)s 分）") % {
                "slug": scenario.slug, "version": scenario.version, "n": len(scenario.rubric),
                "points": scenario.spec.points})
        if failed:
            raise CommandError(_("%(failed)d/%(total)d 个场景未通过校验") % {"failed": failed, "total": len(folders)},
                               returncode=1)

    def list_scenarios(self, folders: list[Path]) -> None:
        if not folders:
            self.stdout.write(_("没有找到场景。"))
            return
        for folder in folders:
            try:
                scenario = load_scenario(folder)
            except ScenarioLoadError as exc:
                self.stdout.write(_("%(slug)s  ✗ %(n)d 个问题（运行 scenarios validate %(slug)s 查看）") % {
                    "slug": folder.name, "n": len(exc.problems)})
                continue
            spec = scenario.spec
            self.stdout.write(f"{spec.slug}  v{spec.version}  {spec.title.zh}  {'/'.join(spec.levels)}  "
                              f"{spec.module}  {spec.minutes}{_('分钟')}  {spec.points}{_('分')}  "
                              f"{len(spec.rubric)}{_('项')}")

    def verify(self, catalog: Path, options: dict) -> None:
        try:
            from autograder.verify import verify_command
        except ModuleNotFoundError as exc:
            if exc.name not in ("autograder.verify",):
                raise
            raise CommandError(_("场景验证（autograder.verify）尚未安装 / scenario verification is not available yet"),
                               returncode=2) from None
        code = verify_command(targets=options["targets"], catalog=catalog, stdout=self.stdout, stderr=self.stderr,
                              seeds=options["seeds"], require_personas=options["require_personas"],
                              personas=options["personas"])
        if code:
            raise CommandError(_("场景验证未通过"), returncode=int(code))
