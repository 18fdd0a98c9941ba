# nbsclean — two commands set up a fresh machine:
#   make run    install what is missing, then build a corpus from samples/
#   make test   install what is missing, then run the whole test suite and the fixture check
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CORPUS ?= out/corpus

.PHONY: setup system-deps run test check eval bench confusions training-pairs ngrams ngrams-journal word-classes fixtures review dist clean

setup: system-deps $(STAMP)

system-deps:
	@tools/install-system-deps.sh

# The virtual environment is rebuilt when pyproject.toml changes (the stamp carries its checksum).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

# The main job on the bundled samples: every fixture input (text, PDF, PNG, TIFF) into one corpus.
run: setup
	$(BIN)/nbsclean run samples --include '*.input.*' -o $(CORPUS) --overwrite --format jsonl,txt,parquet
	@echo
	@echo "Corpus written to $(CORPUS)/: documents.jsonl (one record per document), manifest.json, text/<id>.txt"
	@echo "Look at it:  head -c 600 $(CORPUS)/text/*.txt | less      or load it in Python:"
	@echo "  $(BIN)/python -c \"import json; [print(r['id'], r['kind'], r['stats'], r['source']) for r in map(json.loads, open('$(CORPUS)/documents.jsonl'))]\""
	@echo "Review the edits:  $(BIN)/nbsclean review $(CORPUS)   then open $(CORPUS)/review.html"

test: setup
	$(BIN)/python -m pytest -q
	$(BIN)/nbsclean check samples/

check: setup
	$(BIN)/nbsclean check samples/

eval: setup
	$(BIN)/python tools/eval_repair.py

bench: setup
	@tools/install-system-deps.sh --bench
	$(BIN)/python bench/run_all.py

confusions: setup
	$(BIN)/python tools/learn_confusions.py

# More aligned pairs for `make confusions` (data/confusion-pairs/): public-domain prose, drawn and OCR'd.
training-pairs: setup
	$(BIN)/python tools/make_training_pairs.py

# The Swedish bigram model (lexicons/ngrams/sv.ngrams), rebuilt only when its sources changed.
ngrams: setup
	$(BIN)/python tools/build_ngrams.py

# Optional, NON-COMMERCIAL (CC BY-NC 4.0): the same model plus journal-digital's newsreel
# transcripts (PyPI), as a lexicon layer in the nbsclean cache, never in lexicons/ or the wheel.
ngrams-journal: setup
	$(BIN)/python tools/build_ngrams.py --journal-digital

# The word classes of hunspell's dictionary (lexicons/hunspell/sv_SE.classes.marisa) that
# context rules name (@finite, @neuter), from the dictionary's sources in lexicons/hunspell/.
word-classes: setup
	$(BIN)/python tools/build_word_classes.py

fixtures: setup
	$(BIN)/python tools/make_fixtures.py

# A wheel and an sdist in dist/, with the lexicon data (lexicons/ → nbsclean/lexicons) inside:
#   pip install dist/nbsclean-*.whl   gives a working `nbsclean` in any virtual environment.
dist: setup
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	@ls -l dist

clean:
	rm -rf $(VENV) out build dist .pytest_cache .hypothesis
