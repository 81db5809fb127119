"""Every permission a service checks is an action the policy knows (`authz.actions.Action`).

The core checks permissions by their strings (`actor.require("person:read")`), so a typo would deny
everyone, silently and forever. This test reads the services' source and resolves the argument of every
`require(...)` and `may(...)` call (a literal, a module constant, or another module's constant).
"""

import ast
import importlib
import re
from pathlib import Path

from authz.actions import Action

ROOT = Path(__file__).resolve().parents[1]
_ACTION_SHAPE = re.compile(r"^[a-z_]+:[a-z_]+$")
CORE = ROOT / "sxvis"


def _constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _imports(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for name in node.names:
                aliases[name.asname or name.name] = f"{node.module}.{name.name}"
    return aliases


def checked_actions() -> dict[str, str]:
    """action string → where it is checked."""
    checked: dict[str, str] = {}
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants, aliases = _constants(tree), _imports(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in {"require", "may"} or len(node.args) != 1:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            arg = node.args[0]
            branches = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for branch in branches:
                _resolve(branch, where, constants, aliases, checked)
    return checked


def _resolve(
    arg: ast.expr, where: str, constants: dict[str, str], aliases: dict[str, str], checked: dict[str, str]
) -> None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        checked[arg.value] = where
    elif isinstance(arg, ast.Name) and arg.id in constants:
        checked[constants[arg.id]] = where
    elif isinstance(arg, ast.Name) and arg.id in aliases:  # `from sxvis.referrals.service import READ`
        module_name, _, attribute = aliases[arg.id].rpartition(".")
        value = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(value, str):
            raise AssertionError(f"{where}: {arg.id} is not an action string")
        checked[value] = where
    elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id in aliases:
        module = importlib.import_module(aliases[arg.value.id])
        checked[getattr(module, arg.attr)] = where
    elif isinstance(arg, ast.Name) and arg.id == "action":
        pass  # a parameter: its callers are checked at their own call sites
    elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
        # A field of a table of moves (`step.permission`): every action-shaped constant of the module
        # is a candidate, and each must be known.
        for value in constants.values():
            if _ACTION_SHAPE.match(value):
                checked[value] = where
    else:
        raise AssertionError(f"{where}: cannot tell which action {ast.unparse(arg)} is")


def test_services_check_permissions() -> None:
    assert len(checked_actions()) >= 10


def test_every_action_a_service_checks_is_in_the_policys_enum() -> None:
    known = {action.value for action in Action}
    unknown = {action: where for action, where in checked_actions().items() if action not in known}
    assert unknown == {}
