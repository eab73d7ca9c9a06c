"""The public pages rendered by a synchronous twin of Datasette's Jinja environment.

Datasette renders every template in Jinja's async mode, which awaits each call, loop and include: the
search page took ~2.8 ms to render that way and ~1.3 ms in sync mode (measured on the reference build,
/?q=<commune>). `render(datasette, name, context, request, view_name)` still goes through
`datasette.render_template`, so the context is Datasette's own (plugins' extra_template_vars, body scripts,
CSS and JS URLs, menu links), and only the rendering changes: the template comes from a sync environment with
the same loader, filters, tests and globals (those plugins add at startup included), and Datasette's
`menu_links()` (a coroutine function) is awaited first.

Templates are read once per process (no auto-reload): `datasette serve --reload` restarts the process.
A template rendered this way must not call another coroutine function of the context (Datasette's
`crumb_items`: the public pages have no breadcrumbs).
"""

from __future__ import annotations

import inspect
import weakref

import jinja2


class _SyncTemplate(jinja2.Template):
    """A template of the sync environment that Datasette's render_template can render (it awaits render_async)."""

    async def render_async(self, *args, **kwargs):
        context = dict(*args, **kwargs)
        if inspect.iscoroutinefunction(context.get("menu_links")):
            links = await context["menu_links"]()
            context["menu_links"] = lambda: links
        return self.render(context)


_environments: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def environment(datasette) -> jinja2.Environment:
    """The sync twin of `datasette.jinja_env`, made after startup (plugins have added their filters then)."""
    env = _environments.get(datasette)
    if env is None:
        source = datasette.jinja_env
        env = jinja2.Environment(loader=source.loader, autoescape=source.autoescape, auto_reload=False,
                                 extensions=[type(e) for e in source.extensions.values()])
        env.template_class = _SyncTemplate
        env.filters.update(source.filters)
        env.tests.update(source.tests)
        env.globals.update(source.globals)
        env.policies.update(source.policies)
        _environments[datasette] = env
    return env


async def render(datasette, name: str, context: dict, request=None, view_name: str | None = None) -> str:
    """`datasette.render_template(name, ...)`, rendered in sync mode."""
    return await datasette.render_template(environment(datasette).get_template(name), context, request=request,
                                           view_name=view_name)
