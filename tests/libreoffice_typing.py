"""Type text into cells of a workbook with LibreOffice Calc, as the office types it, and save it
as .xlsx. Run by LibreOffice's own Python (it needs the `uno` module), not by the project's:

    python3 tests/libreoffice_typing.py PROFILE_DIR SOURCE.xlsx TARGET.xlsx '{"H2": "0210001"}'

Each text is entered through the view as typed input (.uno:EnterString): Calc recognises numbers,
dates and times in it unless the cell is formatted as text, as when the office types it.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    result = PropertyValue()
    result.Name, result.Value = name, value
    return result


def main(profile, source, target, cells):
    pipe = f"results-tests-{os.getpid()}"
    office = subprocess.Popen(
        [
            os.environ.get("SOFFICE", "soffice"),
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _attempt in range(300):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise SystemExit("LibreOffice did not answer")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        url = uno.systemPathToFileUrl(str(Path(source).resolve()))
        document = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
        frame = document.getCurrentController().getFrame()
        dispatcher = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", context
        )
        for address, text in json.loads(cells).items():
            # What typing does (the view's input, as from the keyboard), not the API's setters.
            dispatcher.executeDispatch(frame, ".uno:GoToCell", "", 0, (prop("ToPoint", address),))
            dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (prop("StringName", text),))
        target_url = uno.systemPathToFileUrl(str(Path(target).resolve()))
        document.storeToURL(target_url, (prop("FilterName", "Calc MS Excel 2007 XML"),))
        document.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass  # the connection closes as LibreOffice quits
        office.wait(timeout=60)
    finally:
        if office.poll() is None:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:5])
