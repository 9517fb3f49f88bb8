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

/// <summary>Reads a tunnel's history from the journal through Akka.Persistence.Query.</summary>
public sealed class HistoryReader(ActorSystem system)
{
    private readonly SqlReadJournal _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>("akka.persistence.query.journal.sql");

    /// <summary>The tunnel's events, oldest first, each as {seq, type, at, ...fields}.</summary>
    public async Task<IReadOnlyList<JsonObject>> ReadAsync(string node, string tunnel, CancellationToken cancellationToken)
    {
        var envelopes = await _journal
            .CurrentEventsByPersistenceId(TunnelActor.PersistenceIdFor(node, tunnel), 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer())
            .WaitAsync(cancellationToken);
        return envelopes.Where(e => e.Event is ITunnelEvent).Select(e => ToJson(e.SequenceNr, (ITunnelEvent)e.Event)).ToList();
    }

    public static JsonObject ToJson(long sequenceNr, ITunnelEvent e)
    {
        var fields = TunnelEventSerializer.ToJson(e);
        var json = new JsonObject { ["seq"] = sequenceNr, ["type"] = EventTypeName(e) };
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            json[key] = value;
        }
        return json;
    }

    public static string EventTypeName(ITunnelEvent e) => e switch
    {
        TunnelBecameHealthy => "healthy",
        TunnelWentStale => "stale",
        RepairStarted => "repair-started",
        RepairFinished => "repair-finished",
        BackoffStarted => "backoff",
        HistoryGap => "history-gap",
        TunnelRetired => "retired",
        _ => e.GetType().Name,
    };
}
