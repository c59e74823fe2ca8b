"""Running the per-document function on a Ray cluster (``pip install 'docexport[ray]'``).

Two shapes of distributed run, for two sizes of problem:

- :func:`run_ray` is ``convert(..., executor="ray")``: the driver still reads the inputs in
  their deterministic order, and dedup and the writer still run there, in input order, so the
  dataset is byte-identical to a local run. Only the expensive part, :class:`DocumentProcessor`
  (one jieba pass dominates it), runs on a pool of Ray actors that may sit on any node of the
  cluster. Each actor builds its processor once (the segmenter loads once per actor, not per
  batch) and is fed batches through a bounded window, so the input iterator is consumed only as
  fast as results come back: memory does not grow with the corpus.

  This is a pool of actors rather than a Ray Data pipeline on purpose: Ray Data cannot consume a
  lazily produced iterator on the driver (``from_items`` materialises its list, and a new dataset
  per chunk would start a new actor pool, and reload the segmenter, per chunk), and the writer
  needs results in input order with their positions, which a window over ``ray.get`` gives
  directly. It is what Ray Data's actor-pool map does underneath, without the parts we would
  have to turn off.

- :func:`dedup_ray` is the global step of a run whose records are already a Ray Dataset (read
  and processed on the cluster, too large for one driver to deduplicate): exact dedup is a
  group-by on the record id, near dedup a group-by on the MinHash band keys of
  :func:`~docexport.dedup.dedup_keys`, confirmed with :func:`~docexport.dedup.similarity`. Only
  the confirmed pairs, a few per duplicate, come back to the driver, which resolves them in
  input order and drops the same records as the sequential :class:`~docexport.dedup.Deduper`.

Ray is imported inside the functions: ``import docexport.distributed`` works without it, and a
call without it raises :class:`~docexport.errors.MissingExtraError` naming the install.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from docexport.data import Reject, Source
from docexport.dedup import Deduper, dedup_keys, similarity, sketch
from docexport.errors import DocexportError, MissingExtraError, OptionError
from docexport.pipeline import (
    Announcer,
    DocumentProcessor,
    EncodedResult,
    KnownIds,
    Options,
    Repeat,
    Transport,
    batches,
    process_batch,
)

__all__ = ["INSTALL_HINT", "check_reachable", "dedup_ray", "import_ray", "run_ray"]

INSTALL_HINT = "pip install 'docexport[ray]'"

# Batches in flight per actor: enough that an actor finds its next batch queued when it finishes
# one (hiding the round trip to a remote node), few enough that the window stays a few MB.
WINDOW_PER_ACTOR = 4

Result = tuple[int, int, "dict[str, Any] | EncodedResult | Reject | Repeat"]


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise MissingExtraError(
            f"the Ray engine needs Ray, which is not installed: {INSTALL_HINT}"
        ) from exc
    return ray


class _Worker:
    """One actor's state: the processor, built once when the actor starts.

    A processor that cannot be built (a user dictionary missing on that node, a different
    docexport version) is reported by :meth:`ready` as a sentence, because Ray would otherwise
    report it only as a dead actor, indistinguishable from one killed for memory.
    """

    def __init__(self, options: Options, transport: Transport | None = None) -> None:
        self.processor: DocumentProcessor | None = None
        self.transport = transport
        self.known = KnownIds()
        self.error: str | None = None
        try:
            self.processor = DocumentProcessor(options)
        except Exception as exc:  # reported by ready(), on the driver
            self.error = f"{type(exc).__name__}: {exc}"

    def ready(self) -> str | None:
        return self.error

    def process(
        self, batch: list[tuple[int, Source | Reject]], news: list[str] | None = None
    ) -> list[Result]:
        """One batch; ``news`` are the ids the driver kept since this actor's last batch."""
        assert self.processor is not None, "process() on a worker that did not start"
        if news:
            self.known.update(news)
        known = None if news is None else self.known
        return process_batch(self.processor, batch, self.transport, known)


# How long joining a cluster may take to open a TCP connection to its head before giving up.
CONNECT_TIMEOUT = 5.0


def check_reachable(address: str | None, timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail in seconds when the head of the cluster at ``address`` does not answer.

    ``ray.init`` keeps retrying an address nobody listens on for over a minute, printing Ray's
    own log lines, before it gives up: a mistyped ``--ray-address`` would look like a hang.
    One TCP connection to ``host:port`` (or ``ray://host:port``) tells at once. ``auto``,
    ``local``, no address, or one of another form are left to Ray.

    >>> check_reachable("auto"), check_reachable(None)
    (None, None)
    """
    if not address:
        return
    target = address.removeprefix("ray://")
    host, colon, port = target.rpartition(":")
    if not colon or not port.isdigit() or "://" in target or not host:
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise DocexportError(
            f"cannot reach the Ray cluster at {address}: {reason} (is its head node running, "
            "and is the address host:port of the head, or ray://host:port of a Ray client server?)"
        ) from exc


def run_ray(
    items: Iterator[tuple[int, Source | Reject]],
    options: Options,
    *,
    address: str | None = None,
    batch_size: int = 64,
    actors: int | None = None,
    transport: Transport | None = None,
    known: Deduper | None = None,
) -> Iterator[Result]:
    """Process ``(position, source or read reject)`` items on Ray actors, yielding
    ``(position, input bytes, record or reject)`` in input order.

    The contract of the local process pool, so the caller's dedup and writer do not know which
    executor ran. ``address`` is the cluster to join (``"auto"``, ``"ray://head:10001"``); when
    Ray is not initialised and no address is given, a local instance is started, and shut down
    when the iterator ends; a Ray session the caller already started is used as it is.
    ``actors`` defaults to one per CPU of the cluster (more share the CPUs). With a
    ``transport``, records come back encoded for the driver's writer (as from the local pool).
    ``known`` is the driver's deduper: each actor is told the ids it kept, so exact repeats
    skip enrichment there too (see :class:`~docexport.pipeline.Announcer`).
    Every node needs docexport installed (the same version), since actors import it.
    """
    if batch_size < 1:
        raise OptionError(f"batch_size must be at least 1, not {batch_size}")
    if actors is not None and actors < 1:
        raise OptionError(f"actors must be at least 1, not {actors}")
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        check_reachable(address or os.environ.get("RAY_ADDRESS"))
        try:
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = address or "a new local instance"
            raise DocexportError(f"cannot start Ray on {where}: {exc}") from exc
        started = True
    pool: list[Any] = []
    window: deque[Any] = deque()
    try:
        cpus = float(ray.cluster_resources().get("CPU", 1))
        count = actors or max(1, int(cpus))
        # One CPU per actor (the segmenter is single-threaded); asked for more actors than the
        # cluster has CPUs, they share them, as --jobs above the core count does locally,
        # instead of waiting forever for CPUs that do not exist.
        worker = ray.remote(num_cpus=min(1.0, cpus / count))(_Worker)
        pool = [worker.remote(options, transport) for _ in range(count)]
        for error in ray.get([actor.ready.remote() for actor in pool]):
            if error is not None:
                raise DocexportError(f"a Ray worker could not start: {error}")
        limit = count * WINDOW_PER_ACTOR
        announcer = Announcer(known)
        for number, batch in enumerate(batches(items, batch_size)):
            # Round robin: batches are of similar cost, and in-order consumption means a slow
            # actor holds the window back whichever actor the next batch goes to.
            actor = number % count
            window.append(pool[actor].process.remote(batch, announcer.news(actor)))
            while len(window) >= limit:
                yield from ray.get(window.popleft())
        while window:
            yield from ray.get(window.popleft())
    except ray.exceptions.RayActorError as exc:
        raise DocexportError(
            "a Ray worker died (out of memory, or its node was lost); "
            "run again with --resume to finish from the last committed shard"
        ) from exc
    except ray.exceptions.RayError as exc:
        raise DocexportError(f"the Ray run failed: {exc}") from exc
    finally:
        # Killing an actor also drops the batches still queued on it.
        for actor in pool:
            ray.kill(actor)
        if started:
            ray.shutdown()


# -- global dedup --------------------------------------------------------------------------------


def _key_rows(row: dict[str, Any], *, near: bool) -> list[dict[str, Any]]:
    """One row per dedup key of a record: the exact key, then one per MinHash band."""
    signature = sketch(row.get("text") or "") if near else None
    return [
        {"key": key, "position": int(row["position"]), "id": str(row["id"]), "sketch": signature}
        for key in dedup_keys(row, near=near)
    ]


def _group_pairs(group: dict[str, Any], *, threshold: float) -> dict[str, list[Any]]:
    """The confirmed duplicate pairs ``(later, earlier)`` within one key group.

    An exact group pairs every copy with the earliest. A band group pairs records whose sketches
    agree on at least ``threshold`` of their bins (sharing one band only makes them candidates);
    copies with the same id are left to the exact group. The cost is quadratic in the number of
    *distinct* texts sharing a band, which stays small unless thousands of different texts share
    an 8-bin band (near-identical boilerplate).
    """
    order = sorted(range(len(group["position"])), key=lambda i: int(group["position"][i]))
    positions = [int(group["position"][i]) for i in order]
    ids = [str(group["id"][i]) for i in order]
    pairs: dict[str, list[Any]] = {"later": [], "earlier": [], "earlier_id": [], "kind": []}

    def pair(i: int, j: int, kind: str) -> None:
        pairs["later"].append(positions[i])
        pairs["earlier"].append(positions[j])
        pairs["earlier_id"].append(ids[j])
        pairs["kind"].append(kind)

    if str(group["key"][0]).startswith("id:"):
        for i in range(1, len(order)):
            pair(i, 0, "exact")
    else:
        # Only the first copy of each id: later copies share its fate through the exact group,
        # and a story reprinted thousands of times must not make its band groups quadratic.
        first: dict[str, int] = {}
        for i in range(len(order)):
            first.setdefault(ids[i], i)
        distinct = sorted(first.values())
        sketches = {i: bytes(group["sketch"][order[i]]) for i in distinct}
        for n, i in enumerate(distinct):
            for j in distinct[:n]:
                if similarity(sketches[i], sketches[j]) >= threshold:
                    pair(i, j, "near")
    return pairs


def dedup_ray(dataset: Any, *, near: bool = True, threshold: float = 0.9) -> dict[int, str]:
    """Deduplicate a Ray Dataset of records globally: ``{position of a duplicate: id it repeats}``.

    ``dataset`` has one row per record with at least ``position`` (the input order, which
    decides the copy that is kept: the earliest), ``id`` and ``text``. Rows are fanned out to
    their :func:`~docexport.dedup.dedup_keys` and grouped by key on the cluster; each group
    yields its confirmed pairs. The driver then walks the pairs in input order: a record is
    dropped when an earlier *kept* record is its exact copy or near duplicate, which is the
    decision :class:`~docexport.dedup.Deduper` makes one record at a time (a record dropped as a
    near duplicate does not knock out a later one that resembles only it). Memory on the driver
    grows with the number of duplicates, not of records.
    """
    if not 0.0 < threshold <= 1.0:
        raise OptionError(f"threshold must be in (0, 1], not {threshold}")
    import_ray()
    keys = dataset.flat_map(_key_rows, fn_kwargs={"near": near})
    pairs = keys.groupby("key").map_groups(
        _group_pairs, fn_kwargs={"threshold": threshold}, batch_format="numpy"
    )
    exact: dict[int, int] = {}
    similar: dict[int, list[int]] = {}
    ids: dict[int, str] = {}
    for pair in pairs.iter_rows():
        later, earlier = int(pair["later"]), int(pair["earlier"])
        ids[earlier] = str(pair["earlier_id"])
        if pair["kind"] == "exact":
            exact[later] = earlier
        else:
            similar.setdefault(later, []).append(earlier)
    return {later: ids[kept] for later, kept in _resolve(exact, similar).items()}


def _resolve(exact: dict[int, int], similar: dict[int, list[int]]) -> dict[int, int]:
    """Walk confirmed pairs in input order, keeping a record unless an earlier kept one covers it.

    An exact copy shares the fate of the earliest copy: when that one is itself a near duplicate,
    the copy points at the record that was kept. Positions never named in a pair are kept.

    >>> _resolve({}, {1: [0], 2: [1]})  # 2 resembles only 1, which is dropped: 2 is kept
    {1: 0}
    >>> _resolve({3: 1}, {1: [0]})  # 3 is an exact copy of 1, a near duplicate of 0
    {1: 0, 3: 0}
    """
    dropped: dict[int, int] = {}
    for position in sorted(set(exact) | set(similar)):
        if position in exact:
            first = exact[position]
            dropped[position] = dropped.get(first, first)
            continue
        kept = [earlier for earlier in sorted(similar[position]) if earlier not in dropped]
        if kept:
            dropped[position] = kept[0]
    return dropped
