"""Every write to a sandbox passes the write gate inside the service that makes it.

An AST sweep over every module of ``shop_sim.services`` and the chat consumers: a function that
writes (a ``.create(``/``.save(``/``.update(``/``.delete(``/``bulk_*``/``execute(`` call, or a call
to another function of these modules that writes) must call ``sandbox_write_check`` before its first
write — inside its ``transaction.atomic()`` block when it has one — unless every write it makes is a
call to a function that passes the gate itself. A new service that writes without the gate fails
here by name; the exceptions are listed below, each with its reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap

import shop_sim.services
from shop_sim.simulator import consumers

WRITE_METHODS = {"create", "save", "update", "delete", "bulk_create", "bulk_update", "get_or_create",
                 "update_or_create", "execute", "executemany"}
GATE = "sandbox_write_check"

# qualified name -> why it may write without asking the gate. Keep this short and justified.
EXCEPTIONS = {
    "provisioning.sandbox_provision":
        "creates a brand-new sandbox from a template: no attempt or sitting can own a sandbox that does not "
        "exist yet, so there is no gate to ask (its event_record still asks, and the new id is never frozen)",
    "catalog._StoredFiles.__exit__":
        "deletes the files this very call stored when its transaction failed: undoing a refused write",
    "maintenance.shop_statistics_refresh":
        "runs ANALYZE: PostgreSQL's planner statistics of whole tables, no row of any sandbox changes",
}


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _is_atomic(item: ast.withitem) -> bool:
    call = item.context_expr
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "atomic"


class Module:
    """One parsed module: its functions (``name`` or ``Class.name``) and the names it imports."""

    def __init__(self, name: str, source: str):
        self.name = name
        self.tree = ast.parse(textwrap.dedent(source))
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.imported: dict[str, tuple[str, str]] = {}  # local name -> (module short name, function)
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.functions[f"{node.name}.{item.name}"] = item
            elif isinstance(node, ast.ImportFrom) and node.module is not None:
                source_module = node.module.rsplit(".", 1)[-1]
                inside = node.level > 0 or node.module.startswith("shop_sim.services")
                if inside:
                    for alias in node.names:
                        self.imported[alias.asname or alias.name] = (source_module, alias.name)


class Sweep:
    """Which functions of ``modules`` write, and which of those do not pass the gate."""

    def __init__(self, modules: dict[str, Module]):
        self.modules = modules
        self._writes: dict[str, bool] = {}
        self._gated: dict[str, bool] = {}

    def resolve(self, module: Module, call: ast.Call) -> str | None:
        """The qualified name of the sweep's function ``call`` calls, if it is one."""
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in module.functions:
                return f"{module.name}.{func.id}"
            if func.id in module.imported:
                source, name = module.imported[func.id]
                if source in self.modules and name in self.modules[source].functions:
                    return f"{source}.{name}"
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            return None  # consumer methods calling each other write nothing themselves (they call helpers)
        return None

    def node(self, qualified: str) -> tuple[Module, ast.AST]:
        module_name, name = qualified.split(".", 1)
        module = self.modules[module_name]
        return module, module.functions[name]

    def sites(self, qualified: str) -> tuple[list[tuple[ast.Call, str | None]], list[ast.Call]]:
        """(write sites: a direct write call with None, or a call to a writing function with its name;
        gate calls), in source order."""
        module, fn = self.node(qualified)
        writes, gates = [], []
        for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == GATE:
                gates.append(call)
            elif isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
                writes.append((call, None))
            else:
                target = self.resolve(module, call)
                if target is not None and target != qualified and self.writes(target):
                    writes.append((call, target))
        writes.sort(key=lambda site: _position(site[0]))
        gates.sort(key=_position)
        return writes, gates

    def writes(self, qualified: str) -> bool:
        if qualified not in self._writes:
            self._writes[qualified] = False  # a cycle writes only if some member writes directly
            writes, _ = self.sites(qualified)
            self._writes[qualified] = bool(writes)
        return self._writes[qualified]

    def gated(self, qualified: str) -> bool:
        """Every write site comes after a gate call (inside the atomic block, if any), or is a call to
        a function that is gated itself."""
        if qualified in self._gated:
            return self._gated[qualified]
        self._gated[qualified] = False
        _, fn = self.node(qualified)
        writes, gates = self.sites(qualified)
        atomic_blocks = [n for n in ast.walk(fn) if isinstance(n, (ast.With, ast.AsyncWith))
                         and any(_is_atomic(item) for item in n.items)]

        def in_atomic(call: ast.Call) -> bool:
            return any(block.lineno <= call.lineno <= block.end_lineno for block in atomic_blocks)

        good_gates = [g for g in gates if not atomic_blocks or in_atomic(g)]
        ok = True
        for call, target in writes:
            before = any(_position(g) < _position(call) for g in good_gates)
            if not before and not (target is not None and self.gated(target)):
                ok = False
                break
        self._gated[qualified] = ok
        return ok

    def ungated(self, module_names) -> list[str]:
        out = []
        for module_name in module_names:
            for name in self.modules[module_name].functions:
                qualified = f"{module_name}.{name}"
                public = not name.startswith("_") or "." in name  # methods (consumers, helpers) count too
                if public and self.writes(qualified) and not self.gated(qualified):
                    out.append(qualified)
        return out


def service_modules() -> dict[str, Module]:
    modules = {}
    for info in pkgutil.iter_modules(shop_sim.services.__path__):
        module = importlib.import_module(f"shop_sim.services.{info.name}")
        modules[info.name] = Module(info.name, inspect.getsource(module))
    return modules


def full_sweep() -> tuple[Sweep, list[str]]:
    modules = service_modules()
    modules["consumers"] = Module("consumers", inspect.getsource(consumers))
    return Sweep(modules), list(modules)


def test_every_writing_service_and_consumer_passes_the_gate():
    sweep, names = full_sweep()
    ungated = [name for name in sweep.ungated(names) if name not in EXCEPTIONS]
    assert ungated == [], f"these write to a sandbox without sandbox_write_check before the write: {ungated}"


def test_the_sweep_covers_the_services_that_matter():
    """The sweep sees what it must (not a vacuous pass): the chat services write and pass the gate."""
    sweep, names = full_sweep()
    for name in ("chat.chat_buyer_message", "chat.chat_merchant_reply", "chat.chat_mark_read",
                 "orders.order_ship", "files.shopfile_upload", "catalog.product_create", "base.event_record",
                 "consumers._buyer_post", "consumers._merchant_action"):
        assert sweep.writes(name), name
        assert sweep.gated(name), name
    assert {"chat", "orders", "catalog", "files", "customers", "decoration", "marketing", "reviews", "checkout",
            "provisioning", "consumers"} <= set(names)


def test_the_exceptions_still_exist_and_still_need_to_be():
    sweep, names = full_sweep()
    ungated = set(sweep.ungated(names))
    for name in EXCEPTIONS:
        assert name in ungated, f"{name} no longer writes ungated: drop it from EXCEPTIONS"


def _sweep_of(source: str) -> Sweep:
    base = Module("base", "def sandbox_write_check(sandbox):\n    pass\n")
    return Sweep({"base": base, "new": Module("new", source)})


def test_the_sweep_catches_a_new_ungated_service():
    sweep = _sweep_of("""
        from .base import sandbox_write_check
        def note_add(*, sandbox, text):
            with transaction.atomic():
                Note.objects.create(sandbox=sandbox, text=text)
        def _write(sandbox):
            Note.objects.filter(sandbox=sandbox).delete()
        def note_clear(*, sandbox):
            _write(sandbox)
        def note_late(*, sandbox):
            with transaction.atomic():
                Note.objects.create(sandbox=sandbox)
                sandbox_write_check(sandbox)
        def note_outside(*, sandbox):
            sandbox_write_check(sandbox)
            with transaction.atomic():
                Note.objects.create(sandbox=sandbox)
        def note_ok(*, sandbox):
            with transaction.atomic():
                sandbox_write_check(sandbox)
                Note.objects.create(sandbox=sandbox)
                _write(sandbox)
        def note_via_ok(*, sandbox):
            note_ok(sandbox=sandbox)
        def note_read(*, sandbox):
            return Note.objects.filter(sandbox=sandbox).count()
    """)
    assert sorted(sweep.ungated(["new"])) == ["new.note_add", "new.note_clear", "new.note_late", "new.note_outside"]
