# CDK Terrain (docs/cdk-terrain.md), included by the Makefile. `CODAT_IAC_CDK=cdktn make <target>` selects it
# and `install` then adds its toolchain, all inside the repo: the cdktn Python package and Node 24 from a
# wheel into .venv, the cdktn CLI from package-lock.json run on that Node. CDKTF (the default) installs none.
CDKTN := toolchains/cdktn
export CODAT_IAC_CDK

.PHONY: test-cdk

install: $(if $(filter cdktn,$(CODAT_IAC_CDK)),$(CDKTN)/node_modules/.installed)

# One line per step, as the Makefile's own installs (STEP): the installer's output only when it fails.
$(VENV)/.installed-cdktn: $(CDKTN)/requirements.txt $(VENV)/.installed
	@$(STEP) "install CDK Terrain's Python packages (.venv)" -- $(PY) -m pip install --disable-pip-version-check \
		-r $(CDKTN)/requirements.txt
	@touch $@

$(CDKTN)/node_modules/.installed: $(CDKTN)/package-lock.json $(VENV)/.installed-cdktn
	@$(STEP) "install the cdktn CLI ($(CDKTN)/node_modules)" -- $(PY) -m codat_iac.cdk install --no-audit \
		--no-fund --loglevel=error
	@touch $@

# The tests whose result depends on the CDK (the choice itself, constructs, end to end, pipelines), on the one
# CODAT_IAC_CDK picks; .ci/run runs them again with CODAT_IAC_CDK=cdktn after `make test`.
test-cdk: install
	$(PY) -m pytest tests/cdk tests/constructs tests/e2e tests/pipeline
