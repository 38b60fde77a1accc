"""Build bench/data/realtext_test_30.jsonl: sections of the python3-doc HTML pages with hand-written questions.

The documents are cut from the HTML shipped by the Debian package python3.11-doc (pulled in by python3-doc)
under /usr/share/doc/python3.11/html; each is one section (page + anchor), turned into light markdown by
pydoc_text.section_text. The questions below were written by reading each extracted section; every accepted
answer occurs in its document (the build checks it, case-insensitive). This family is test-only.

    python bench/data/make_realtext_test.py [--html-root DIR] [--out FILE]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pydoc_text import section_text, word_count  # noqa: E402

from engine.data.records import write_rows_jsonl  # noqa: E402

HTML_ROOT = Path("/usr/share/doc/python3.11/html")
OUT = Path(__file__).resolve().parent / "realtext_test_30.jsonl"
KIND = "realtext-pydoc"
N, W, C, M = "number", "name", "code", "word"

# (id, page under HTML_ROOT, section anchor, ids of sub-elements left out, questions)
DOCS: tuple[tuple[str, str, str, tuple[str, ...], list[tuple[str, list[str], str]]], ...] = (
 ("license-history", "license.html", "history-of-the-software", (), [
  ("In which city is CNRI, where Guido continued his work on Python in 1995?", ["Reston"], W),
  ("In which month and year did the Python core development team move to BeOpen.com?", ["May 2000"], N),
  ("Which company did the PythonLabs team move to in October 2000?", ["Digital Creations"], W),
  ("In which year was the Python Software Foundation formed?", ["2001"], N),
  ("Who owned Python release 1.6?", ["CNRI"], W)]),
 ("faq-version-numbering", "faq/general.html", "how-does-the-python-version-numbering-scheme-work", (), [
  ("What is the suffix for a release candidate version?", ["rcN"], C),
  ("Which PEP has more information about bugfix releases?", ["PEP 6"], N),
  ("What is C called in a version number A.B.C?", ["micro"], M),
  ("What example of an a0 version is given?", ["2.4a0"], C)]),
 ("whatsnew311-highlights", "whatsnew/3.11.html", "summary-release-highlights", (), [
  ("What average speedup was measured on the standard benchmark suite?", ["1.25x", "1.25"], N),
  ("Which new standard library module parses TOML?", ["tomllib"], C),
  ("Which environment variable disables prepending potentially unsafe paths to sys.path?", ["PYTHONSAFEPATH"], C),
  ("In which Python version will the legacy modules deprecated by PEP 594 be removed?", ["3.13"], N),
  ("Which PEP adds Exception Groups and except*?", ["654"], N)]),
 ("whatsnew391-notable", "whatsnew/3.9.html", "notable-changes-in-python-3-9-1", (), [
  ("Who contributed the typing.Literal change?", ["Yurii Karabas", "Karabas"], W),
  ("What is the name of the new universal build variant?", ["universal2"], C),
  ("Down to which older macOS version were deployments tested?", ["10.9"], N),
  ("Which bpo issue number goes with the typing.Literal change?", ["42345"], N),
  ("Who contributed macOS 11.0 support together with Lawrence D’Anna?", ["Ronald Oussoren", "Oussoren"], W)]),
 ("unix-custom-openssl", "using/unix.html", "custom-openssl", (), [
  ("Which make target should be used instead of install?", ["install_sw"], C),
  ("Besides /etc/ssl, in which directory is openssl.cnf on most distributions?", ["/etc/pki/tls"], C),
  ("What install prefix is used for the custom OpenSSL in the example?", ["/usr/local/custom-openssl"], C),
  ("Which configure option is set to auto in the example?", ["--with-openssl-rpath"], C)]),
 ("faq-pyd-dll", "faq/windows.html", "is-a-pyd-file-the-same-as-a-dll", (), [
  ("Which function must a DLL named foo.pyd have?", ["PyInit_foo"], C),
  ("Which search path is used for foo.pyd?", ["PYTHONPATH"], C),
  ("How is linkage declared in the source code of a DLL?", ["__declspec(dllexport)", "dllexport"], C)]),
 ("about-docs", "about.html", "about-these-documents", (), [
  ("Which document processor generates these documents?", ["Sphinx"], W),
  ("Who created the original Python documentation toolset?", ["Fred L. Drake", "Drake"], W),
  ("What was the name of Fredrik Lundh's project from which Sphinx got ideas?", ["Alternative Python Reference"], W),
  ("Which file in the source distribution has a partial list of contributors?", ["Misc/ACKS", "ACKS"], C)]),
 ("tutorial-source-encoding", "tutorial/interpreter.html", "source-code-encoding", (), [
  ("What codec name declares Windows-1252 encoding?", ["cp1252"], C),
  ("On which line goes the encoding declaration when the file starts with a shebang line?", ["second"], M),
  ("Which characters does the standard library use for identifiers?", ["ASCII"], W),
  ("What is the default encoding of Python source files?", ["UTF-8"], C)]),
 ("whatsnew311-py-launcher", "whatsnew/3.11.html", "windows-py-exe-launcher-improvements", (), [
  ("Which PEP defines the company/tag syntax?", ["514"], N),
  ("What is the name of the distribution hosted on python.org?", ["PythonCore"], W),
  ("Which suffix in a runtime's tag marks 32-bit runtimes?", ["-32"], C),
  ("Since which Python version have all releases included this suffix in their 32-bit builds?", ["3.5"], N)]),
 ("faq-installed", "faq/installed.html", "why-is-python-installed-on-my-computer-faq", (), [
  ("Besides Hewlett-Packard, which computer maker is named as including Python?", ["Compaq"], W),
  ("Which film company is named as using Python?", ["Lucasfilm"], W),
  ("Which Control Panel icon removes Python on Windows?", ["Add/Remove Programs"], W),
  ("What should you use to remove a Python installed by a third-party application?", ["uninstaller"], M)]),
 ("windows-launcher-return-codes", "using/windows.html", "return-codes", (), [
  ("Which exit code means that the requested version could not be located?", ["103"], N),
  ("Which return code name has the value 111?", ["RC_INSTALLING"], C),
  ("What is the value of RC_BAD_VENV_CFG?", ["107"], N),
  ("Which exit code means Failed to launch Python?", ["101"], N),
  ("Which file is corrupt when RC_BAD_VENV_CFG is returned?", ["pyvenv.cfg"], C)]),
 ("whatsnew311-faster-cpython", "whatsnew/3.11.html", "faster-cpython", (), [
  ("Which benchmark suite was used to measure CPython 3.11?", ["pyperformance"], W),
  ("How much faster is interpreter startup in Python 3.11?", ["10-15%", "10-15"], N),
  ("What speedup was observed for simple recursive functions like fibonacci?", ["1.7x", "1.7"], N),
  ("Whose ideas inspired PEP 659?", ["Stefan Brunthaler", "Brunthaler"], W),
  ("Which bpo issue covers the inlined Python function calls?", ["45256"], N)]),
 ("faq-why-created", "faq/general.html", "why-was-python-created-in-the-first-place", (), [
  ("In which distributed operating system group at CWI was Guido working?", ["Amoeba"], W),
  ("During the Christmas holidays of which year did Guido start Python?", ["1989"], N),
  ("In which month and year did Guido post Python to USENET?", ["February 1991"], N),
  ("Which language is the origin of the syntax and semantics used for exceptions?", ["Modula-3"], W),
  ("Which file holds the rest of the history?", ["Misc/HISTORY"], C)]),
 ("installing-modules", "installing/index.html", "installing-python-modules", (), [
  ("Starting with which Python version is pip included with the binary installers?", ["3.4"], N),
  ("In which year was distutils first added to the standard library?", ["1998"], N),
  ("Which option installs a package just for the current user?", ["--user"], C),
  ("What email address is listed for this guide?", ["distutils-sig@python.org"], C),
  ("Which module is run with --default-pip when pip is not installed?", ["ensurepip"], C)]),
 ("tutorial-venv", "tutorial/venv.html", "virtual-environments-and-packages", (), [
  ("What is a common directory location for a virtual environment?", [".venv"], C),
  ("Which version of novas is installed in the example?", ["3.1.1.3"], N),
  ("In which file is the pip freeze list conventionally put?", ["requirements.txt"], C),
  ("Who is the author of requests in the pip show output?", ["Kenneth Reitz"], W),
  ("Which script activates a virtual environment on Windows?", ["activate.bat"], C)]),
 ("whatsnew311-build", "whatsnew/3.11.html", "build-changes", (), [
  ("Which Tcl/Tk version does tkinter now require?", ["8.5.12"], N),
  ("Which configure option disables freelists?", ["--without-freelists"], C),
  ("Who contributed the change that libpython is no longer linked against libcrypt?", ["Mike Gilbert"], W),
  ("How many bits are used for int digits by default now?", ["30-bit"], N),
  ("Which compiler standard is now required to build Python?", ["C11"], C)]),
 ("mac-using", "using/mac.html", "using-python-on-a-mac", (), [
  ("Who is the author of the page on using Python on a Mac?", ["Bob Savage"], W),
  ("Up to which macOS version did macOS come with Python 2.7 pre-installed?", ["12.3"], N),
  ("Which program handles double-clicking Python scripts from the Finder?", ["PythonLauncher"], W),
  ("Which Apple Technical Document gives details on environment.plist?", ["QA1067"], C),
  ("What is the standard tool for deploying standalone Python applications on the Mac?", ["py2app"], C)]),
 ("whatsnew39-removed", "whatsnew/3.9.html", "removed", (), [
  ("What should be used instead of the removed threading.Thread method isAlive()?", ["is_alive"], C),
  ("Who contributed the removal of the old plistlib API?", ["Jon Janzen"], W),
  ("What should be used instead of the removed fractions.gcd()?", ["math.gcd"], C),
  ("Which attribute replaces the removed _field_types of typing.NamedTuple?", ["__annotations__"], C),
  ("Since which year was symtable.SymbolTable.has_exec() deprecated?", ["2006"], N)]),
 ("tutorial-appetite", "tutorial/appetite.html", "whetting-your-appetite", (), [
  ("After which BBC show is Python named?", ["Monty Python"], W),
  ("What is statement grouping done by instead of brackets?", ["indentation"], M),
  ("Python is applicable to a larger problem domain than Awk or which other language?", ["Perl"], W),
  ("The interpreter is also a handy what?", ["desk calculator", "calculator"], M)]),
 ("howto-sockets-create", "howto/sockets.html", "creating-a-socket", (), [
  ("Which port does the example connect to on the web server?", ["80"], N),
  ("Which function is used so that the socket would be visible to the outside world?", ["gethostname"], C),
  ("To which address should the server socket be bound for AF_INET IPC?", ["localhost"], C),
  ("Which module integrates cross-platform IPC into a higher-level API?", ["multiprocessing"], C)]),
 ("whatsnew38-optimizations", "whatsnew/3.8.html", "optimizations", (), [
  ("Which pickle protocol is now the default?", ["Protocol 4"], N),
  ("By how much was operator.itemgetter() performance improved?", ["33%"], N),
  ("How much smaller is the created list on average?", ["12%"], N),
  ("Who contributed the fast-copy syscalls in shutil?", ["Giampaolo Rodolà", "Rodolà", "Giampaolo"], W),
  ("How much faster is the LOAD_GLOBAL instruction now?", ["40%"], N),
  ("Which glibc version or newer is needed for os.posix_spawn() use on Linux?", ["2.24"], N)]),
 ("windows-embeddable", "using/windows.html", "the-embeddable-package", (), [
  ("In which version was the embeddable package new?", ["3.5"], N),
  ("Which DLL shows that the Microsoft C Runtime is installed?", ["ucrtbase.dll"], C),
  ("Which function should a custom launcher call with a hard-coded command line?", ["Py_Main"], C),
  ("What is treating third-party packages as part of the application called?", ["vendoring"], M)]),
 ("whatsnew310-error-messages", "whatsnew/3.10.html", "better-error-messages", (), [
  ("Which interpreter's previous work inspired these improvements?", ["PyPy"], W),
  ("Which REPL is named as a case where the suggestions will not work?", ["IPython"], W),
  ("Which function offers suggestions of similar attribute names?", ["PyErr_Display"], C),
  ("Which bpo issue added the attribute and name suggestions?", ["38530"], N)]),
 ("howto-curses-intro", "howto/curses.html", "what-is-curses", (), [
  ("Which open-source implementation replaced BSD curses?", ["ncurses"], C),
  ("What is the ported version of curses for Windows called?", ["UniCurses"], W),
  ("Which user interface library is suggested for buttons and dialogs?", ["Urwid"], W),
  ("For which Unix was curses originally written?", ["BSD"], W)]),
 ("license-terms", "license.html", "terms-and-conditions-for-accessing-or-otherwise-using-python", (), [
  ("Starting with which Python version are documentation code examples dual licensed?", ["3.8.6"], N),
  ("At which address is BeOpen.com's office?", ["160 Saratoga Avenue", "Saratoga Avenue"], W),
  ("At which address is CNRI's office?", ["1895 Preston White Drive", "Preston White Drive"], W),
  ("By the law of which state is the BeOpen agreement governed?", ["California"], W),
  ("Which years does the PSF copyright notice cover?", ["2001-2023"], N)]),
 ("faq-real-world", "faq/general.html", "python-in-the-real-world", (), [
  ("How often does Python have a major new release as of version 3.9?", ["12 months"], N),
  ("Which PEP sets the yearly release cycle?", ["602"], N),
  ("Which PEP describes the procedure for backward-incompatible changes?", ["PEP 5"], N),
  ("Which mailing list manager is named as a high-profile Python project?", ["Mailman"], W),
  ("Which third-party module is named as helpful for students?", ["PyGame"], W),
  ("Which newsgroup is very active?", ["comp.lang.python"], C)]),
 ("faq-windows", "faq/windows.html", "python-on-windows-faq", ("contents", "is-a-pyd-file-the-same-as-a-dll"), [
  ("To which environment variable do you add .py to run scripts without the extension?", ["PATHEXT"], C),
  ("Which virus scanner is named as a particular offender for slow startup?", ["McAfee"], W),
  ("Which Windows routine loads pythonNN.dll in run-time linking?", ["LoadLibraryEx"], C),
  ("If the module is leo and SWIG shadow classes are used, what is the init function called?", ["initleoc"], C),
  ("Which module checks for a keypress without blocking?", ["msvcrt"], C),
  ("Which function checks whether a keyboard hit is present?", ["kbhit"], C)]),
 ("howto-sorting", "howto/sorting.html", "sorting-how-to", (), [
  ("Who wrote the Sorting HOW TO together with Raymond Hettinger?", ["Andrew Dalke", "Dalke"], W),
  ("Which sorting algorithm is used in Python?", ["Timsort"], W),
  ("What is another name for the Decorate-Sort-Undecorate idiom?", ["Schwartzian transform", "Schwartzian"], W),
  ("Which functools function wraps a comparison function for use as a key?", ["cmp_to_key"], C),
  ("Which locale function is used as a key function for locale aware sorting?", ["strxfrm"], C)]),
 ("howto-ipaddress", "howto/ipaddress.html", "an-introduction-to-the-ipaddress-module", (), [
  ("Who is listed as the first author of the ipaddress introduction?", ["Peter Moody"], W),
  ("Who is the second author of the ipaddress introduction?", ["Nick Coghlan"], W),
  ("Which flag coerces host bits to zero?", ["strict=False"], C),
  ("Which factory function creates address objects?", ["ip_address"], C),
  ("Integer values that fit within how many bits are assumed to be IPv4?", ["32"], N)]),
 ("whatsnew310-pattern-matching", "whatsnew/3.10.html", "pep-634-structural-pattern-matching", (), [
  ("What is returned when http_error is passed a status of 418?", ["teapot"], W),
  ("Besides Scala, which language has more powerful pattern matching examples?", ["Elixir"], W),
  ("What is the behaviour when no case matches and there is no wildcard?", ["no-op"], M),
  ("Which status in the example falls through to the wildcard case?", ["500"], N)]),
 ("howto-logging-basic", "howto/logging.html", "basic-logging-tutorial", (), [
  ("What is the default logging level?", ["WARNING"], C),
  ("Which log file name is used in the file example?", ["example.log"], C),
  ("In which Python version was the encoding argument added?", ["3.9"], N),
  ("Which level means confirmation that things are working as expected?", ["INFO"], C)]),
 ("whatsnew39-improved-modules", "whatsnew/3.9.html", "improved-modules", (), [
  ("Who added curses.get_escdelay() and curses.set_escdelay()?", ["Anthony Sottile"], W),
  ("Starting with which version does ipaddress reject leading zeros in IPv4 strings?", ["3.9.5"], N),
  ("Which HTTPStatus name was added for code 425?", ["TOO_EARLY"], C),
  ("Which new math function returns the least common multiple?", ["math.lcm", "lcm"], C),
  ("Who added pathlib.Path.readlink()?", ["Girts Folkmanis"], W)]),
 ("windows-py-launcher", "using/windows.html", "python-launcher-for-windows", ("return-codes",), [
  ("In which PEP was the launcher originally specified?", ["397"], N),
  ("Which command displays the currently installed versions of Python?", ["py --list", "--list"], C),
  ("What is the name of the launcher's INI file?", ["py.ini"], C),
  ("What file name is given to the test script in the From a script example?", ["hello.py"], C)]),
)


def build(html_root: Path) -> list[dict]:
    """The records, in DOCS order; raises ValueError when an accepted answer is not in its document."""
    records = []
    for doc_id, page, anchor, skip, questions in DOCS:
        document = section_text(html_root / page, anchor, skip)
        low = document.lower()
        for question, answers, kind in questions:
            missing = [a for a in answers if a.lower() not in low]
            if missing:
                raise ValueError(f"{doc_id}: answers {missing} of {question!r} are not in the document")
            if kind not in (N, W, C, M):
                raise ValueError(f"{doc_id}: bad answer_kind {kind!r}")
        records.append({
            "id": f"pydoc311-{doc_id}",
            "document": document,
            "questions": [
                {"question": q, "answers": a, "target": a[0], "answer_kind": k} for q, a, k in questions
            ],
            "kind": KIND,
            "source": f"python3.11-doc:{page}#{anchor}",
            "words": word_count(document),
        })
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html-root", type=Path, default=HTML_ROOT)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    records = build(args.html_root)
    write_rows_jsonl(args.out, records)
    print(f"wrote {len(records)} documents, {sum(len(r['questions']) for r in records)} questions to {args.out}")


if __name__ == "__main__":
    main()
