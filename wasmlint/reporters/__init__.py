"""Renderers: each turns a Report into text for one output format. They never analyse."""

FORMATS = ("text", "concise", "json", "sarif", "github")


def renderer(name: str):
    """The `render(report, rules) -> str` function of a format (imported on demand: start-up stays fast)."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r} (expected one of {', '.join(FORMATS)})")
    module = __import__(f"wasmlint.reporters.{name}", fromlist=["render"])
    return module.render
