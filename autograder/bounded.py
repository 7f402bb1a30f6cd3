"""Run one function in a forked child with a wall-clock and a memory budget.

Parsing a candidate's file is the one place where the grader's time and memory depend on what a
candidate typed in. The checks in ``shop_sim.file_limits`` refuse what is obviously too big, but a
parser can still be slower or hungrier than the counts suggest, and a grading worker that stalls
or is killed by the kernel holds up every other candidate's grade. So the parse runs in a forked
child: its address space is capped (RLIMIT_AS = what the worker already maps + the budget) and the
parent stops waiting — and kills it — at the deadline. Fork (not spawn) because the child needs
the parent's loaded Django, pandas and active language, and must start in milliseconds; it never
touches the parent's database connection or browser.
"""

from __future__ import annotations

import multiprocessing
import resource
from typing import Any, Callable


class BudgetExceeded(Exception):
    """The child ran out of time (``kind="time"``) or memory (``kind="memory"``)."""

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


def _child(conn, fn: Callable[..., Any], args: tuple, memory_bytes: int, seconds: float) -> None:
    try:
        limit = _mapped_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = int(seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
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
    finally:
        conn.close()


def call_bounded(fn: Callable[..., Any], *args: Any, seconds: float, memory_bytes: int) -> Any:
    """``fn(*args)`` run in a forked child; its result (pickled back) or the exception it raised.
    Raises BudgetExceeded when the child is over ``seconds`` or ``memory_bytes``."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, fn, args, memory_bytes, seconds), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise BudgetExceeded("time")
        try:
            status, value = receive.recv()
        except (EOFError, OSError):  # the child died without answering: killed for its memory
            raise BudgetExceeded("memory") from None
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

