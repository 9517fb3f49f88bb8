using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using WgSupervisor.Actors.Serialization;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Host.Admin;

/// <summary>Reads history from the journal through Akka.Persistence.Query: one tunnel's, or the whole fleet's, paged.</summary>
public sealed class HistoryReader(ActorSystem system)
{
    public const string QueryPluginId = "akka.persistence.query.journal.sql";
    private const string TunnelIdPrefix = "tunnel:";

    private readonly SqlReadJournal _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(QueryPluginId);

    /// <summary>A page of history across tunnels: the next page starts after <see cref="Page.Next"/>.</summary>
    public sealed record Page(IReadOnlyList<JsonObject> Events, long? Next);

    public sealed record Filter(DateTimeOffset? Since, DateTimeOffset? Until, string? Tunnel, string? Type);

    /// <summary>One tunnel's events after <paramref name="afterSequenceNr"/>, oldest first, each as {seq, type, at, ...fields}.</summary>
    public async Task<IReadOnlyList<JsonObject>> ReadTunnelAsync(string node, string tunnel, long afterSequenceNr, int limit,
        CancellationToken cancellationToken)
    {
        var envelopes = await _journal
            .CurrentEventsByPersistenceId(TunnelActor.PersistenceIdFor(node, tunnel), afterSequenceNr + 1, long.MaxValue)
            .Where(e => e.Event is ITunnelEvent)
            .Take(limit)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer())
            .WaitAsync(cancellationToken);
        return envelopes.Select(e => ToJson(e.SequenceNr, (ITunnelEvent)e.Event)).ToList();
    }

    /// <summary>The fleet's events in journal order (every node's, on a shared journal), filtered, after an offset.</summary>
    public async Task<Page> ReadAllAsync(Filter filter, long afterOffset, int limit, CancellationToken cancellationToken)
    {
        var envelopes = await _journal
            .CurrentAllEvents(Offset.Sequence(afterOffset))
            .Where(e => e.Event is ITunnelEvent && e.PersistenceId.StartsWith(TunnelIdPrefix, StringComparison.Ordinal))
            .Where(e => Matches(filter, e))
            .Take(limit)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer())
            .WaitAsync(cancellationToken);
        var events = envelopes.Select(e =>
        {
            var (node, tunnel) = Owner(e.PersistenceId);
            var json = ToJson(e.SequenceNr, (ITunnelEvent)e.Event);
            json["offset"] = ((Sequence)e.Offset).Value;
            json["node"] = node;
            json["tunnel"] = tunnel;
            return json;
        }).ToList();
        return new Page(events, envelopes.Count == limit ? ((Sequence)envelopes[^1].Offset).Value : null);
    }

    private static bool Matches(Filter filter, EventEnvelope envelope)
    {
        var e = (ITunnelEvent)envelope.Event;
        return (filter.Since is null || e.At >= filter.Since) &&
               (filter.Until is null || e.At < filter.Until) &&
               (filter.Type is null || EventTypeName(e) == filter.Type) &&
               (filter.Tunnel is null || Owner(envelope.PersistenceId).Tunnel == filter.Tunnel);
    }

    /// <summary>"tunnel:NODE:NAME": node and tunnel names are validated to hold no ':'.</summary>
    private static (string Node, string Tunnel) Owner(string persistenceId)
    {
        var parts = persistenceId.Split(':', 3);
        return parts.Length == 3 ? (parts[1], parts[2]) : ("", persistenceId);
    }

    /// <summary>Fields that events written before diagnosis lack: shown only when present, as if they were never there.</summary>
    private static readonly IReadOnlySet<string> ShownWhenPresent = new HashSet<string>(["cause", "diagnosis"], StringComparer.Ordinal);

    public static JsonObject ToJson(long sequenceNr, ITunnelEvent e)
    {
        var fields = TunnelEventSerializer.ToJson(e);
        var json = new JsonObject { ["seq"] = sequenceNr, ["type"] = EventTypeName(e) };
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            if (value is null && ShownWhenPresent.Contains(key)) continue;
            json[key] = value;
        }
        return json;
    }

    public static readonly IReadOnlyList<string> EventTypes =
        ["healthy", "stale", "repair-started", "repair-finished", "backoff", "history-gap", "retired", "paused", "resumed", "quarantined", "released",
         "name-conflict", "budget-fallback", "taken-over", "handed-over", "held"];

    public static string EventTypeName(ITunnelEvent e) => e switch
    {
        TunnelBecameHealthy => "healthy",
        TunnelWentStale => "stale",
        RepairStarted => "repair-started",
        RepairFinished => "repair-finished",
        BackoffStarted => "backoff",
        HistoryGap => "history-gap",
        TunnelRetired => "retired",
        TunnelPaused => "paused",
        TunnelResumed => "resumed",
        TunnelQuarantined => "quarantined",
        TunnelReleased => "released",
        TunnelNameConflict => "name-conflict",
        BudgetUnavailable => "budget-fallback",
        TunnelTakenOver => "taken-over",
        TunnelHandedOver => "handed-over",
        RepairHeld => "held",
        _ => e.GetType().Name,
    };
}
