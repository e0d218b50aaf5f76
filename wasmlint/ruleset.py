"""The rules a configuration runs: rule files loaded and selected, the user's own queries checked.

It joins configuration (which knows nothing of rules) to the rules and the source layer's query
compiler, so that neither of those needs to know the other's errors.
"""

from __future__ import annotations

from pathlib import Path

from wasmlint.config import Config, ConfigError
from wasmlint.rules import Rule, RuleError, check_selectors, load_rules, select_rules


def effective_rules(config: Config, cache_dir: Path | None = None) -> tuple[dict[str, Rule], dict[str, Rule]]:
    """The rules a configuration runs: built-in plus its rules-dirs, selected, severities applied.

    Raises ConfigError naming the configuration file when it names unknown rules. With
    `cache_dir`, parsed rule files come from the results cache.
    """
    try:
        all_rules = load_rules(config.rules_dirs, cache_dir)
    except RuleError as exc:
        raise ConfigError(str(exc)) from None
    for key, selectors in (("select", config.select), ("ignore", config.ignore),
                           ("severity", tuple(k for k, _ in config.severity))):
        try:
            check_selectors(selectors, all_rules)
        except RuleError as exc:
            origin = config.origins.get(key, "defaults")
            where = "" if origin in ("defaults", "command line") else f"{origin}: `{key}`: "
            raise ConfigError(f"{where}{exc}") from None
    rules = select_rules(all_rules, config)
    # The built-in queries are compiled when a crate is analysed (a fully cached run never pays
    # for it); the user's own are checked now, so that a broken one is an error on every run,
    # whether or not some crate needs analysing.
    folders = {folder.resolve() for folder in config.rules_dirs}
    own = [rule for rule in rules.values() if rule.query and rule.origin.resolve().parent in folders]
    if own:
        from wasmlint.source.scan import check_rule_queries

        try:
            check_rule_queries(own)
        except RuleError as exc:
            raise ConfigError(str(exc)) from None
    return all_rules, rules
