"""The host layer judged by V8: seeded host programs, run instrumented in Node, compared per use
site with what wasmlint reports on the plain text (issue 21). Run it with
`python -m bench --only host-differential`; bench/README.md explains the grammar and the figures.

    constructs.py  the construct tables (data)      program.py   a program as data
    generate.py    random composition (decks)       render.py    plain and instrumented JavaScript
    simulate.py    the generator's own expectation  oracle.py    V8's record (oracle.mjs)
    judge.py       wasmlint's findings per site     command.py   the bench command
    modules.py     module.wat and guests/differential, built at run time
"""
