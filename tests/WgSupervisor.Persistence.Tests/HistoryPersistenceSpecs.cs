using System.Text;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;

namespace WgSupervisor.Persistence.Tests;

/// <summary>
/// A tunnel's history on a real journal: written, recovered by a new actor system, snapshotted, trimmed by
/// retention, read back across tunnels, and still readable when it was written by an earlier event version.
/// </summary>
public abstract class HistoryPersistenceSpecs
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    protected abstract JournalBackend CreateBackend();

    [SkippableFact]
    public void Events_written_by_one_actor_system_are_recovered_by_the_next()
    {
        using var db = CreateBackend();
        var events = Episode(T0);
        var expected = TunnelState.Initial.ApplyAll(events);

        RunSystem(db, "", (system, kit) =>
        {
            var history = Attach(system, kit, "tunnel:n1:alpha");
            Recovered(kit);
            foreach (var e in events) history.Tell(new TunnelHistory.Record(e), kit.TestActor);
            WaitUntilWritten(kit, events.Count);
        });
        RunSystem(db, "", (system, kit) =>
        {
            Attach(system, kit, "tunnel:n1:alpha");
            Assert.Equal(expected, Recovered(kit).State);
        });
        Assert.Equal(events.Count, db.Scalar("SELECT COUNT(*) FROM journal WHERE persistence_id = 'tunnel:n1:alpha'"));
    }

    [SkippableFact]
    public void Rows_hold_short_versioned_manifests_and_no_type_name_so_a_renamed_type_still_reads()
    {
        using var db = CreateBackend();
        RunSystem(db, "", (system, kit) =>
        {
            var history = Attach(system, kit, "tunnel:n1:alpha");
            Recovered(kit);
            foreach (var e in Episode(T0)) history.Tell(new TunnelHistory.Record(e), kit.TestActor);
            WaitUntilWritten(kit, 5);
        });

        Assert.Equal(0, db.Scalar("SELECT COUNT(*) FROM journal WHERE manifest NOT LIKE '%.v_' OR manifest LIKE '%WgSupervisor%'"));
        Assert.Equal(7301, db.Scalar("SELECT MIN(identifier) FROM journal"));
    }

    /// <summary>
    /// The rows an earlier version wrote — repair-finished.v1 had no attempt number — are inserted as they
    /// were stored, and the current code recovers them: the attempt reads as 0 (not known), nothing breaks.
    /// </summary>
    [SkippableFact]
    public void A_journal_written_by_an_earlier_event_version_is_still_recovered()
    {
        using var db = CreateBackend();
        // One write through Akka creates the tables; the old rows are then put in as an earlier version stored them.
        RunSystem(db, "", (system, kit) =>
        {
            var history = Attach(system, kit, "tunnel:n1:schema");
            Recovered(kit);
            history.Tell(new TunnelHistory.Record(new TunnelBecameHealthy(T0, "ok")), kit.TestActor);
            WaitUntilWritten(kit, 1);
        });
        string[] v1Rows =
        [
            """{"at":"2026-11-25T10:00:00+00:00","reason":"HandshakeTooOld","detail":"handshake 200 s old","requestedBy":null}""",
            """{"at":"2026-11-25T10:00:01+00:00","rung":"restart-interface","attempt":1,"requestedBy":"supervisor"}""",
            """{"at":"2026-11-25T10:00:05+00:00","rung":"restart-interface","outcome":"VerifyTimedOut","durationMs":4000,"detail":"no fresh handshake"}""",
            """{"at":"2026-11-25T10:00:05+00:00","until":"2026-11-25T10:00:15+00:00","failedAttempts":1}""",
        ];
        string[] manifests = ["stale.v1", "repair-started.v1", "repair-finished.v1", "backoff.v1"];
        for (var i = 0; i < v1Rows.Length; i++)
            db.Execute("INSERT INTO journal (deleted, persistence_id, sequence_number, created, message, identifier, manifest, writer_uuid) " +
                       "VALUES (@deleted, 'tunnel:n1:old', @seq, @created, @message, 7301, @manifest, 'earlier-version')",
                ("@deleted", false), ("@seq", (long)i + 1), ("@created", T0.UtcTicks + i), ("@message", Encoding.UTF8.GetBytes(v1Rows[i])),
                ("@manifest", manifests[i]));

        RunSystem(db, "", (system, kit) =>
        {
            Attach(system, kit, "tunnel:n1:old");
            var state = Recovered(kit).State;
            Assert.Equal(TunnelPhase.Backoff, state.Phase);
            Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 15, TimeSpan.Zero), state.BackoffUntil);
            Assert.Equal(RepairOutcome.VerifyTimedOut, state.LastRepair!.Outcome);
            Assert.Equal(1, state.FailedAttempts);
        });
    }

    [SkippableFact]
    public void A_snapshot_is_taken_every_n_events_and_recovery_from_it_gives_the_same_state()
    {
        using var db = CreateBackend();
        var events = Enumerable.Range(0, 6).SelectMany(i => Episode(T0.AddMinutes(i))).ToList();
        RunSystem(db, "", (system, kit) =>
        {
            var history = Attach(system, kit, "tunnel:n1:snap", HistorySettings.Default with { SnapshotEvery = 10 });
            Recovered(kit);
            foreach (var e in events) history.Tell(new TunnelHistory.Record(e), kit.TestActor);
            WaitUntilWritten(kit, events.Count);
            kit.AwaitAssert(() => Assert.True(db.Scalar("SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'tunnel:n1:snap'") >= 1), Wait);
        });
        RunSystem(db, "", (system, kit) =>
        {
            Attach(system, kit, "tunnel:n1:snap");
            Assert.Equal(TunnelState.Initial.ApplyAll(events), Recovered(kit).State);
        });
    }

    [SkippableFact]
    public void Retention_drops_events_older_than_the_period_but_keeps_the_last_ones()
    {
        using var db = CreateBackend();
        var old = DateTimeOffset.UtcNow.AddDays(-10);
        var events = Enumerable.Range(0, 4).SelectMany(i => Episode(old.AddMinutes(i))).ToList(); // 20 old events
        var settings = HistorySettings.Default with { SnapshotEvery = 10, RetentionDays = 7, KeepLastEvents = 5 };
        RunSystem(db, "", (system, kit) =>
        {
            var history = Attach(system, kit, "tunnel:n1:retained", settings);
            Recovered(kit);
            foreach (var e in events) history.Tell(new TunnelHistory.Record(e), kit.TestActor);
            WaitUntilWritten(kit, events.Count);
            // The snapshot at 20 allows deleting up to 20 - 5 = 15; events 1..15 are all older than 7 days.
            kit.AwaitAssert(() => Assert.Equal(5, CountReadable(system, "tunnel:n1:retained")), Wait);
        });
        RunSystem(db, "", (system, kit) =>
        {
            Attach(system, kit, "tunnel:n1:retained", settings);
            Assert.Equal(TunnelState.Initial.ApplyAll(events), Recovered(kit).State);
        });
    }

    [SkippableFact]
    public async Task The_fleet_history_query_filters_by_tunnel_type_and_time_and_pages()
    {
        using var db = CreateBackend();
        await RunSystemAsync(db, async (system, kit) =>
        {
            foreach (var name in new[] { "alpha", "beta" })
            {
                var history = Attach(system, kit, $"tunnel:n1:{name}");
                Recovered(kit);
                foreach (var e in Episode(T0)) history.Tell(new TunnelHistory.Record(e), kit.TestActor);
                WaitUntilWritten(kit, 5);
            }
            var reader = new HistoryReader(system);

            var all = await reader.ReadAllAsync(new HistoryReader.Filter(null, null, null, null), 0, 100, CancellationToken.None);
            Assert.Equal(10, all.Events.Count);
            Assert.Null(all.Next);
            var stale = await reader.ReadAllAsync(new HistoryReader.Filter(null, null, "beta", "stale"), 0, 100, CancellationToken.None);
            Assert.Equal("beta", Assert.Single(stale.Events)["tunnel"]!.GetValue<string>());
            var later = await reader.ReadAllAsync(new HistoryReader.Filter(T0.AddSeconds(6), null, null, null), 0, 100, CancellationToken.None);
            Assert.All(later.Events, e => Assert.True(e["at"]!.GetValue<DateTimeOffset>() >= T0.AddSeconds(6)));
            Assert.Equal(2, later.Events.Count); // only the last event of each episode (at +8 s) is that late

            var first = await reader.ReadAllAsync(new HistoryReader.Filter(null, null, null, null), 0, 6, CancellationToken.None);
            Assert.NotNull(first.Next);
            var second = await reader.ReadAllAsync(new HistoryReader.Filter(null, null, null, null), first.Next!.Value, 6, CancellationToken.None);
            Assert.Equal(4, second.Events.Count);
            Assert.Empty(first.Events.Select(e => e["offset"]!.GetValue<long>()).Intersect(second.Events.Select(e => e["offset"]!.GetValue<long>())));
        });
    }

    // ---- Helpers -------------------------------------------------------------------------------------

    /// <summary>Stale, repair, failure, backoff, healthy: five events of one episode starting at <paramref name="at"/>.</summary>
    private static List<ITunnelEvent> Episode(DateTimeOffset at) =>
    [
        new TunnelWentStale(at, StaleReason.HandshakeTooOld, "handshake 200 s old"),
        new RepairStarted(at.AddSeconds(1), RepairRung.RestartInterface, 1, "supervisor"),
        new RepairFinished(at.AddSeconds(5), RepairRung.RestartInterface, RepairOutcome.VerifyTimedOut, TimeSpan.FromSeconds(4), "no handshake"),
        new BackoffStarted(at.AddSeconds(5), at.AddSeconds(15), 1),
        new TunnelBecameHealthy(at.AddSeconds(8), "recovered during backoff"),
    ];

    internal static IActorRef Attach(ActorSystem system, TestKit kit, string persistenceId, HistorySettings? settings = null)
    {
        var history = system.ActorOf(TunnelHistory.Props(persistenceId, settings ?? HistorySettings.Default));
        history.Tell(TunnelHistory.Attach.Instance, kit.TestActor);
        return history;
    }

    internal static TunnelHistory.HistoryRecovered Recovered(TestKit kit) => kit.FishForMessage<TunnelHistory.HistoryRecovered>(_ => true, Wait);

    /// <summary>The history reports its backlog after each write: wait until the journal acknowledged <paramref name="sequenceNr"/>.</summary>
    internal static void WaitUntilWritten(TestKit kit, long sequenceNr) =>
        kit.FishForMessage<TunnelHistory.HistoryBacklog>(b => b.PendingEvents == 0 && b.WrittenUpTo >= sequenceNr, Wait);

    private static int CountReadable(ActorSystem system, string persistenceId) =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(HistoryReader.QueryPluginId)
            .CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer()).Result.Count;

    internal static void RunSystem(JournalBackend db, string extra, Action<ActorSystem, TestKit> body)
    {
        var system = ActorSystem.Create("history", db.AkkaConfig(extra));
        var kit = new TestKit(system);
        try
        {
            body(system, kit);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
    }

    private static async Task RunSystemAsync(JournalBackend db, Func<ActorSystem, TestKit, Task> body)
    {
        var system = ActorSystem.Create("history", db.AkkaConfig());
        var kit = new TestKit(system);
        try
        {
            await body(system, kit);
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
        }
    }
}

public sealed class SqliteHistoryPersistenceSpecs : HistoryPersistenceSpecs
{
    protected override JournalBackend CreateBackend() => new SqliteBackend();
}

public sealed class PostgresHistoryPersistenceSpecs : HistoryPersistenceSpecs
{
    protected override JournalBackend CreateBackend() => new PostgresBackend();
}
