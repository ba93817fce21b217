"""Prints real CPython tracebacks used as parser fixtures (run once; output is committed)."""
import sys
import traceback

from shop import orders


def show(name, fn):
    try:
        fn()
    except BaseException:
        with open(f"../python-{name}.txt", "w") as f:
            f.write(traceback.format_exc())


repo = orders.Repository({7: {"items": [{"price": 3, "qty": "2"}]}})
show("simple", lambda: orders.parse_payload("{not json"))
show("raise-from", lambda: orders.checkout(repo, 42))
show("during-handling", lambda: orders.retry_checkout(repo, 42))
show("type-error", lambda: orders.checkout(repo, 7))
