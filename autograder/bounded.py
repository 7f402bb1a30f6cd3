"""Run one function in a forked child with a wall-clock and a memory budget.

Parsing a candidate's file is the one place where the grader's time and memory depend on what a
candidate typed in. The checks in ``shop_sim.file_limits`` refuse what is obviously too big, but a
parser can still be slower or hungrier than the counts suggest, and a grading worker that stalls
or is killed by the kernel holds up every other candidate's grade. So the parse runs in a forked
child: its address space is capped (RLIMIT_AS = what the worker already maps, less what malloc holds
free in it, + the budget), so is
its CPU time (RLIMIT_CPU: the budget is CPU seconds, so a busy machine does not turn a candidate's
ordinary file into a refused one), and the parent stops waiting — and kills it — after
WALL_FACTOR times the budget in wall-clock time, whatever the child is doing. Fork (not spawn) because the child needs
the parent's loaded Django, pandas and active language, and must start in milliseconds; it never
touches the parent's database connection or browser.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import resource
import signal
from typing import Any, Callable

# wall-clock seconds the parent waits per CPU second of budget (the machine may be shared)
WALL_FACTOR = 3


class BudgetExceeded(Exception):
    """The child ran out of CPU time (``kind="time"``: the work is too big) or memory
    (``kind="memory"``), or of wall-clock time while under its CPU budget (``kind="wall"``: the
    machine is too busy — not the input's fault)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def _mapped_bytes() -> int:
    """This process's current address space (VmSize), the floor the child's budget adds to."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _free_heap_bytes() -> int:
    """Bytes glibc's malloc holds free inside what is already mapped: the child would reuse them
    without growing its address space, so they count against its budget (0 off glibc)."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return 0
    mallinfo2.restype = _MallInfo2
    return int(mallinfo2().fordblks)


def _child(conn, fn: Callable[..., Any], args: tuple, memory_bytes: int, seconds: float) -> None:
    try:
        limit = max(_mapped_bytes() - _free_heap_bytes(), 0) + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = max(1, math.ceil(seconds))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU at the soft limit
        try:
            result = ("ok", fn(*args))
        except MemoryError:
            result = ("memory", None)
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
            result = ("error", exc)
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # noqa: BLE001 - a result or exception that does not pickle
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def call_bounded(fn: Callable[..., Any], *args: Any, seconds: float, memory_bytes: int) -> Any:
    """``fn(*args)`` run in a forked child; its result (pickled back) or the exception it raised.
    Raises BudgetExceeded when the child is over ``seconds`` of CPU (or WALL_FACTOR × ``seconds``
    of wall-clock time) or ``memory_bytes`` of address space beyond the parent's."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, fn, args, memory_bytes, seconds), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds * WALL_FACTOR):
            raise BudgetExceeded("wall")
        try:
            status, value = receive.recv()
        except (EOFError, OSError):  # the child died without answering: SIGXCPU, or killed for memory
            child.join(5)
            raise BudgetExceeded("time" if child.exitcode == -signal.SIGXCPU else "memory") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if status == "ok":
        return value
    if status == "memory":
        raise BudgetExceeded("memory")
    raise value

