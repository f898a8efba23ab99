"""The provider's lock file guards the launcher Terraform runs: a launcher changed by hand is refused at init
with the fix named, and `codat-iac provider install` puts it right."""

from __future__ import annotations

import pytest

from codat_iac import provider_mirror


@pytest.mark.e2e
def test_a_launcher_that_differs_from_the_lock_file_is_refused_with_the_fix(pipeline):
    deployed = pipeline.run("deploy", "--app-dir", str(pipeline.dir))
    assert deployed.returncode == 0, deployed.stderr
    launcher = provider_mirror.launcher_paths(pipeline.dir / "terraform-mirror")[2]  # linux_amd64
    launcher.write_text(launcher.read_text() + "# changed by hand\n")
    done = pipeline.run("diff", "--app-dir", str(pipeline.dir))
    assert done.returncode == 1
    # The error is printed once, in the closing summary (stdout).
    assert "is not the one its lock file (.terraform.lock.hcl) records: run `codat-iac provider install`" in done.stdout
    assert pipeline.run("provider", "install", "--app-dir", str(pipeline.dir)).returncode == 0
    again = pipeline.run("diff", "--app-dir", str(pipeline.dir))
    assert again.returncode == 0, again.stderr
