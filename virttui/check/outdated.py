"""outdated: the programs and libraries a domain got from the host that differ from the
host's copies now: the security updates the host got and the domain did not."""

from virttui.check.report import FIX_UPDATE, WARNING, Finding, listing


def outdated_findings(name: str, scan, expected, host) -> list[Finding]:
    if expected.problem:
        return [Finding(WARNING, name, "outdated", f"{expected.problem}: its programs cannot be compared "
                        "with the host's", "rebuild it with virtfs (its data copied over)")]
    if not scan.outdated:
        return []
    paths = sorted(scan.outdated)
    packages = sorted({host.package_of(path) or "no package" for path in paths})
    return [Finding(WARNING, name, "outdated",
                    f"{len(paths)} file{'s' * (len(paths) > 1)} older than the host's (package"
                    f"{'s' * (len(packages) > 1)} {', '.join(packages)}): {listing(paths)}",
                    f"`virtfs --update {name}`", fix=FIX_UPDATE)]
