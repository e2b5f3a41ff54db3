#!/usr/bin/python3
"""A real XDND drag source for end-to-end tests of dropping a file on the app.

WebDriver cannot synthesise OS-level file drops, so this opens a tiny GTK3 window
that offers FILE the way a file manager would (text/uri-list, plus text/plain);
the test then drags from it with xdotool (real XTEST pointer events) onto the app.

    /usr/bin/python3 tests/e2e/drag-source.py FILE [--x X] [--y Y]

Prints "READY x y w h" (the drag widget's screen rectangle) once mapped, then
"DONE" and exits 0 when a drag ends; exits 1 after --timeout seconds without one.
Needs the system python3 (python3-gi + Gtk 3 typelibs), and no window manager:
with none, X honours the requested position, so the rectangle is predictable.
"""
import argparse
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, Gio, GLib, Gtk  # noqa: E402

URI_LIST, PLAIN = 0, 1

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--x", type=int, default=0)
ap.add_argument("--y", type=int, default=0)
ap.add_argument("--w", type=int, default=160)
ap.add_argument("--h", type=int, default=80)
ap.add_argument("--timeout", type=float, default=60)
args = ap.parse_args()

# Gio gives an absolute, percent-encoded file:// URI, as a file manager would send.
gfile = Gio.File.new_for_commandline_arg(args.file)
uri, path = gfile.get_uri(), gfile.get_path()

win = Gtk.Window(title="drag-source")
win.set_decorated(False)
win.set_default_size(args.w, args.h)
win.move(args.x, args.y)

# An EventBox, because a plain Label has no X window of its own to take button presses.
box = Gtk.EventBox()
box.add(Gtk.Label(label="drag me"))
win.add(box)

box.drag_source_set(
    Gdk.ModifierType.BUTTON1_MASK,
    [Gtk.TargetEntry.new("text/uri-list", 0, URI_LIST),
     Gtk.TargetEntry.new("text/plain", 0, PLAIN)],
    Gdk.DragAction.COPY,
)


def on_data_get(_w, _ctx, data, info, _time):
    if info == URI_LIST:
        data.set_uris([uri])
    else:
        data.set_text(path, -1)


def on_failed(_w, _ctx, result):
    # drag-end follows regardless; this just says why a drop did not land.
    print(f"drag-failed: {result.value_nick}", file=sys.stderr, flush=True)
    return False


def on_end(*_):
    global status
    status = 0
    print("DONE", flush=True)
    Gtk.main_quit()


def on_timeout():
    # sys.exit inside a GLib callback would only print a traceback; leave the loop instead.
    print("timeout: no drag finished", file=sys.stderr, flush=True)
    Gtk.main_quit()


def report_ready(*_):
    # Screen coordinates, not window ones: that is what xdotool mousemove takes.
    _, ox, oy = box.get_window().get_origin()
    a = box.get_allocation()
    print(f"READY {ox} {oy} {a.width} {a.height}", flush=True)
    return False


def on_map(*_):
    # Wait until the X server has drawn the window, so a press right away lands on it.
    GLib.timeout_add(100, report_ready)
    return False


box.connect("drag-data-get", on_data_get)
box.connect("drag-failed", on_failed)
box.connect("drag-end", on_end)
win.connect("map-event", on_map)
win.connect("destroy", Gtk.main_quit)
status = 1
GLib.timeout_add(int(args.timeout * 1000), on_timeout)

win.show_all()
Gtk.main()
sys.exit(status)
