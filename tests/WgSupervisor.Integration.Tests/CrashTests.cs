using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using WgSupervisor.Actors.Serialization;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Integration.Tests.Support;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The supervisor, a real process on the simulated backend with 20 tunnels breaking and being repaired, is
/// killed with SIGKILL at 10 random moments and started again each time. Afterwards the SQLite journal must
/// hold every event acknowledged before each kill, no tunnel may ever have had two repairs in flight, and
/// every tunnel that was in backoff at a kill must have waited out its remaining time: not less, and not a
/// fresh full backoff.
/// </summary>
public sealed partial class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 10;
    private const string Node = "crash";
    private static readonly TimeSpan StartupSlack = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1.5);

    [GeneratedRegex(@"journal-ack (tunnel:\S+) (\d+)")]
    private static partial Regex AcknowledgementLine();

    [GeneratedRegex(@"Tunnel (\S+) recovered in Backoff")]
    private static partial Regex RecoveredInBackoffLine();

    [Fact]
    public async Task Ten_kills_lose_no_acknowledged_event_no_repair_overlaps_and_backoff_resumes_with_its_remaining_time()
    {
        using var config = new SupervisorConfigFile(new { });
        var port = SupervisorProcess.FreePort();
        File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(new
        {
            NodeName = Node,
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = 0.5,
            MaxConcurrentRestarts = 3,
            Backend = "Simulated",
            // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels = 20, BreakEverySeconds = 0.4, RepairSeconds = 0.3, FixProbability = 0.4,
                StateFile = Path.Combine(config.Directory, "world.json") },
            Journal = new { Provider = "Sqlite", SqlitePath = config.JournalPath, LogAcknowledgements = true, SnapshotEvery = 25 },
            Defaults = new
            {
                StaleAfterSeconds = 3, VerifyTimeoutSeconds = 2,
                Backoff = new { BaseSeconds = 2, Factor = 2, CapSeconds = 8 },
                Repair = new[] { "restart-interface" },
                Quarantine = new { MaxRepairs = 1000 },
            },
        }));

        var random = new Random(20261125);
        var acknowledged = new Dictionary<string, long>();
        var kills = new List<Kill>();
        for (var round = 0; round < Kills; round++)
        {
            await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));
            if (kills.Count > 0) kills[^1] = kills[^1] with { RestartedAt = DateTimeOffset.UtcNow };
            await Task.Delay(TimeSpan.FromSeconds(2 + random.NextDouble() * 4));
            supervisor.Kill();
            // Taken once the process is gone: every event the killed run stamped is older, every event of the next run newer (that
            // run's process starts after it). Taken before the kill, a busy machine could let the run stamp events after it.
            var killedAt = DateTimeOffset.UtcNow;
            if (kills.Count > 0) kills[^1] = kills[^1] with { RecoveredInBackoff = RecoveredInBackoff(supervisor) };
            foreach (Match ack in AcknowledgementLine().Matches(supervisor.Output))
                acknowledged[ack.Groups[1].Value] = Math.Max(acknowledged.GetValueOrDefault(ack.Groups[1].Value), long.Parse(ack.Groups[2].Value));
            kills.Add(new Kill(killedAt, DateTimeOffset.MaxValue, new Dictionary<string, DateTimeOffset>()));
        }
        await using (var last = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}")))
        {
            kills[^1] = kills[^1] with { RestartedAt = DateTimeOffset.UtcNow };
            // Long enough for every backoff running at the last kill (cap 8 s) to run out.
            await Task.Delay(TimeSpan.FromSeconds(12));
            Assert.True((await last.StopAsync()).ExitCode == 0, "the last run stops cleanly");
            kills[^1] = kills[^1] with { RecoveredInBackoff = RecoveredInBackoff(last) };
        }

        var journal = ReadJournal(config.JournalPath);
        output.WriteLine($"{journal.Sum(j => j.Value.Count)} events of {journal.Count} tunnels; {acknowledged.Count} acknowledged streams");
        Assert.True(acknowledged.Count >= 10, "the run produced history for most tunnels");

        foreach (var (persistenceId, sequenceNr) in acknowledged)
            Assert.True(journal.TryGetValue(persistenceId, out var events) && events[^1].SequenceNr >= sequenceNr,
                $"{persistenceId}: acknowledged up to {sequenceNr}, the journal ends at {(journal.TryGetValue(persistenceId, out var e) ? e[^1].SequenceNr : 0)}");

        foreach (var (persistenceId, events) in journal)
        {
            var inFlight = false;
            foreach (var (sequenceNr, e) in events)
            {
                if (e is RepairStarted) Assert.False(inFlight, $"{persistenceId} #{sequenceNr}: a second repair started while one was in flight");
                if (e is RepairStarted) inFlight = true;
                if (e is RepairFinished) inFlight = false;
            }
        }

        var backoffsChecked = 0;
        for (var k = 0; k < kills.Count; k++)
        foreach (var (persistenceId, events) in journal)
        {
            var (killedAt, restartedAt, recoveredInBackoff) = kills[k];
            var nextKill = k + 1 < kills.Count ? kills[k + 1].KilledAt : DateTimeOffset.MaxValue;
            var before = events.LastOrDefault(x => x.Event.At <= killedAt);
            if (before.Event is not BackoffStarted backoff) continue;
            // The next run's first event, by order: not "from a second before its API answered", since the tunnels recover (and a
            // backoff that ran out meanwhile ends) as the host starts, which a loaded machine can take seconds longer to answer.
            var after = events.FirstOrDefault(x => x.Event.At > killedAt && x.SequenceNr > before.SequenceNr);
            // A backoff that outlasted the next run is judged at the next kill, against the run it ended in.
            if (after.Event is null || after.Event.At > nextKill) continue;
            backoffsChecked++;
            switch (after.Event)
            {
                case TunnelWentStale { Reason: StaleReason.BackoffElapsed } resumed:
                    Assert.True(resumed.At >= backoff.Until - Tolerance,
                        $"{persistenceId}: backoff until {backoff.Until:O} skipped ahead, stale again at {resumed.At:O}");
                    // The remaining time runs from the tunnel's recovery, which may come after the API answers.
                    var resumedFrom = recoveredInBackoff.GetValueOrDefault(persistenceId, restartedAt);
                    var latest = (backoff.Until > resumedFrom ? backoff.Until : resumedFrom + StartupSlack) + Tolerance;
                    output.WriteLine($"{persistenceId}: due {Later(backoff.Until, resumedFrom):HH:mm:ss.fff}, stale again {(resumed.At - Later(backoff.Until, resumedFrom)).TotalSeconds:0.000} s after");
                    Assert.True(resumed.At <= latest, $"{persistenceId}: backoff until {backoff.Until:O} started over, stale again only at {resumed.At:O} (killed {killedAt:O}, next run answered {restartedAt:O}, tunnel recovered {(recoveredInBackoff.ContainsKey(persistenceId) ? resumedFrom.ToString("O") : "(no line)")})");
                    break;
                case TunnelBecameHealthy:
                    break;
                default:
                    Assert.Fail($"{persistenceId}: after a kill during backoff the next event was {after.Event}");
                    break;
            }
        }
        output.WriteLine($"{backoffsChecked} backoffs were running at a kill and resumed correctly");
        Assert.True(backoffsChecked >= 3, $"only {backoffsChecked} kills fell into a backoff: the run did not exercise recovery of backoff");
    }

    /// <summary>One kill: when it happened, when the next run answered, and when each tunnel recovered in backoff there (by persistence id).</summary>
    private sealed record Kill(DateTimeOffset KilledAt, DateTimeOffset RestartedAt, IReadOnlyDictionary<string, DateTimeOffset> RecoveredInBackoff);

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static Dictionary<string, DateTimeOffset> RecoveredInBackoff(SupervisorProcess run)
    {
        var recovered = new Dictionary<string, DateTimeOffset>();
        foreach (var (readAt, line) in run.TimedLines)
            if (RecoveredInBackoffLine().Match(line) is { Success: true } match)
                recovered.TryAdd(TunnelActor.PersistenceIdFor(Node, match.Groups[1].Value), readAt);
        return recovered;
    }

    /// <summary>Every tunnel's events straight from the SQLite file, decoded by the product's own serializer.</summary>
    private static Dictionary<string, List<(long SequenceNr, ITunnelEvent Event)>> ReadJournal(string path)
    {
        var result = new Dictionary<string, List<(long, ITunnelEvent)>>();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT persistence_id, sequence_number, manifest, message FROM journal WHERE deleted = 0 ORDER BY persistence_id, sequence_number";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var payload = (byte[])reader["message"];
            var decoded = TunnelEventSerializer.FromJson(JsonNode.Parse(payload)!.AsObject(), reader.GetString(2));
            if (decoded is not ITunnelEvent e) continue;
            var id = reader.GetString(0);
            if (!result.TryGetValue(id, out var list)) result[id] = list = [];
            list.Add((reader.GetInt64(1), e));
        }
        return result;
    }
}
