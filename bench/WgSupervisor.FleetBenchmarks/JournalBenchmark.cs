using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.FleetBenchmarks.Support;
using WgSupervisor.Host.Configuration;
using WgSupervisor.Testing;

namespace WgSupervisor.FleetBenchmarks;

/// <summary>
/// How many events per second the journal writer sustains: many <see cref="TunnelHistory"/> actors (the product's
/// writer: outbox, batches of up to 100, one write in flight per history, snapshot every 100 events) in an
/// ActorSystem on Akka.Persistence.Sql with the host's settings (parallelism 1; SQLite in WAL mode), each with an
/// owner that attaches like a tunnel actor. Timed from the first Record to the last acknowledgement
/// (HistoryBacklog with PendingEvents 0 and WrittenUpTo = the last event) of every history.
/// Two ways to feed them: "burst" hands each history all its events at once (the writer batches them);
/// "one-by-one" hands the next event only when the previous one is acknowledged (no batching: a write per event,
/// like a tunnel whose events come one at a time).
/// </summary>
public static class JournalBenchmark
{
    private const string BenchDatabase = "wgsup_bench";

    public static async Task<int> RunAsync(Options options)
    {
        var backends = options.Words("backends", "sqlite,postgres");
        var historyCounts = options.Integers("histories", "1,10,100");
        var eventsPerHistory = options.Integer("events", 200);
        var repeat = options.Integer("repeat", 3);
        var modes = options.Words("modes", "burst,one-by-one");
        var postgresUrl = options.OptionalText("postgres");
        var history = HistorySettings.Default with { SnapshotEvery = options.Integer("snapshot-every", HistorySettings.Default.SnapshotEvery) };
        options.RejectUnknown();

        Console.WriteLine($"journal: TunnelHistory actors × {eventsPerHistory} events each (stale, repair-started, repair-finished, healthy, …), " +
                          $"HistorySettings.Default (batch ≤ {history.MaxBatch}) with a snapshot every {history.SnapshotEvery} events (0: none), journal parallelism 1; each figure is the median of {repeat} run(s), " +
                          $"fresh persistence ids per run; load average before: {BenchArguments.LoadAverage()}");
        var results = new Table("backend", "mode", "histories", "events", "median s", "events/s (median)", "events/s (best)",
            "CPU % of one core (this process)");
        foreach (var backend in backends)
        {
            await using var database = backend switch
            {
                "sqlite" => (BenchDatabaseHandle)new SqliteDatabase(),
                "postgres" => await PostgresDatabase.CreateAsync(postgresUrl ?? await PostgresUrlAsync()),
                _ => throw new ArgumentException($"--backends: '{backend}' is not sqlite or postgres"),
            };
            var system = ActorSystem.Create("journalbench", database.AkkaConfig());
            try
            {
                // Warm-up (JIT, connection pool, table creation), not reported.
                await MeasureAsync(system, history, "warmup", 10, 20, "burst");
                foreach (var mode in modes)
                foreach (var histories in historyCounts)
                {
                    var times = new List<double>();
                    var cpu = TimeSpan.Zero;
                    for (var r = 0; r < repeat; r++)
                    {
                        var (seconds, used) = await MeasureAsync(system, history, $"{mode}-{histories}-{r}", histories, eventsPerHistory, mode);
                        times.Add(seconds);
                        cpu += used;
                    }
                    var total = histories * eventsPerHistory;
                    var median = times.Order().ElementAt(times.Count / 2);
                    results.Row(backend, mode, histories, total, median.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
                        Math.Round(total / median), Math.Round(total / times.Min()), Math.Round(100 * cpu.TotalSeconds / times.Sum()));
                    Console.WriteLine($"  {backend} {mode} {histories} × {eventsPerHistory}: " +
                                      string.Join(", ", times.Select(t => $"{total / t:0} ev/s")));
                }
            }
            finally
            {
                await system.Terminate();
            }
        }
        Console.WriteLine();
        results.Print();
        Console.WriteLine($"load average after: {BenchArguments.LoadAverage()}");
        return 0;
    }

    /// <summary>One measurement: the seconds from the first Record to the last acknowledgement, and the CPU time this process used meanwhile.</summary>
    private static async Task<(double Seconds, TimeSpan Cpu)> MeasureAsync(ActorSystem system, HistorySettings history, string label, int histories, int events, string mode)
    {
        if (mode is not ("burst" or "one-by-one")) throw new ArgumentException($"--modes: '{mode}' is not burst or one-by-one");
        var owners = new List<(IActorRef Owner, BenchOwner.Handles Handles)>();
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < histories; i++)
        {
            var handles = new BenchOwner.Handles();
            var owner = system.ActorOf(Props.Create(() => new BenchOwner($"tunnel:bench-{run}:{label}-{i}", history, events, mode == "one-by-one", handles)));
            owners.Add((owner, handles));
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await Task.WhenAll(owners.Select(o => o.Handles.Recovered.Task)).WaitAsync(limit.Token);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var start = BenchOwner.Now;
        foreach (var (owner, _) in owners) owner.Tell(BenchOwner.Go.Instance);
        var finished = await Task.WhenAll(owners.Select(o => o.Handles.Done.Task)).WaitAsync(limit.Token);
        var seconds = finished.Max() - start;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var problems = owners.Select(o => o.Handles.Problem).OfType<string>().Distinct().ToList();
        if (problems.Count > 0) Console.WriteLine($"  ({label}: journal problems reported: {string.Join("; ", problems)})");
        foreach (var (owner, _) in owners) await owner.GracefulStop(TimeSpan.FromSeconds(30));
        return (seconds, cpu);
    }

    /// <summary>Like a tunnel actor: runs its history as a child, attaches, records, and watches the backlog.</summary>
    private sealed class BenchOwner : ReceiveActor
    {
        public sealed class Handles
        {
            public TaskCompletionSource Recovered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
            /// <summary>Completed with <see cref="Now"/> at the last acknowledgement.</summary>
            public TaskCompletionSource<double> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public string? Problem { get; set; }
        }

        public sealed record Go
        {
            public static readonly Go Instance = new();
        }

        private static readonly Stopwatch Clock = Stopwatch.StartNew();
        /// <summary>Seconds on a clock shared by every owner and the measurement.</summary>
        public static double Now => Clock.Elapsed.TotalSeconds;
        private readonly IActorRef _history;
        private readonly int _events;
        private readonly bool _oneByOne;
        private readonly Handles _handles;
        private readonly DateTimeOffset _origin = DateTimeOffset.UtcNow;
        private int _sent;

        public BenchOwner(string persistenceId, HistorySettings history, int events, bool oneByOne, Handles handles)
        {
            _events = events;
            _oneByOne = oneByOne;
            _handles = handles;
            _history = Context.ActorOf(TunnelHistory.Props(persistenceId, history), "history");
            Receive<TunnelHistory.HistoryRecovered>(_ => _handles.Recovered.TrySetResult());
            Receive<TunnelHistory.HistoryUnavailable>(u => _handles.Recovered.TrySetException(new InvalidOperationException(u.Reason)));
            Receive<Go>(_ =>
            {
                if (_oneByOne) Send();
                else
                    while (_sent < _events) Send();
            });
            Receive<TunnelHistory.HistoryBacklog>(b =>
            {
                if (b.Problem is not null) _handles.Problem = b.Problem;
                if (_sent == 0 || b.PendingEvents > 0 || b.WrittenUpTo < _sent) return;
                if (_sent < _events)
                {
                    if (_oneByOne) Send();
                    return;
                }
                _handles.Done.TrySetResult(Now);
            });
        }

        protected override void PreStart() => _history.Tell(TunnelHistory.Attach.Instance);

        private void Send()
        {
            var at = _origin + TimeSpan.FromMilliseconds(_sent);
            ITunnelEvent e = (_sent % 4) switch
            {
                0 => new TunnelWentStale(at, StaleReason.HandshakeTooOld, "handshake 190 s old (threshold 180 s)"),
                1 => new RepairStarted(at, RepairRung.RestartInterface, 1, "supervisor"),
                2 => new RepairFinished(at, RepairRung.RestartInterface, RepairOutcome.Succeeded, TimeSpan.FromSeconds(1.2),
                    "fresh handshake at 2026-11-25T10:00:00.0000000+00:00", 1),
                _ => new TunnelBecameHealthy(at, "repaired by restart-interface: fresh handshake"),
            };
            _sent++;
            _history.Tell(new TunnelHistory.Record(e));
        }
    }

    private static async Task<string> PostgresUrlAsync()
    {
        var script = Path.Combine(Repository.Root, "scripts", "postgres.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, "url"]) { RedirectStandardOutput = true })!;
        var url = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 && url.Length > 0 ? url : throw new InvalidOperationException("scripts/postgres.sh url failed");
    }

    private abstract class BenchDatabaseHandle : IAsyncDisposable
    {
        protected abstract JournalSettings Journal { get; }

        /// <summary>The host's own journal settings (one writer; SQLite in WAL mode), as the persistence specs use them.</summary>
        public Config AkkaConfig() => HistoryJournal.ActorSystemConfig(Journal, logLevel: "WARNING");

        public abstract ValueTask DisposeAsync();
    }

    /// <summary>A temporary SQLite file, switched to WAL by the host's journal code, deleted afterwards.</summary>
    private sealed class SqliteDatabase : BenchDatabaseHandle
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"wgs-fleetbench-journal-{Guid.NewGuid():N}.db");

        public SqliteDatabase() => Console.WriteLine($"sqlite: {_path} (WAL)");

        protected override JournalSettings Journal => HistoryJournal.Sqlite(_path);

        public override ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
                if (File.Exists(file)) File.Delete(file);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A database of its own (wgsup_bench, owned by the test role), created for the run and dropped after it.</summary>
    private sealed class PostgresDatabase : BenchDatabaseHandle
    {
        private readonly string _connectionString;

        private PostgresDatabase(string connectionString) => _connectionString = connectionString;

        protected override JournalSettings Journal => HistoryJournal.Postgres(_connectionString);

        public static async Task<PostgresDatabase> CreateAsync(string url)
        {
            var builder = new NpgsqlConnectionStringBuilder(url);
            var owner = builder.Username ?? throw new ArgumentException("the PostgreSQL connection string has no Username");
            await AsPostgresAsync($"dropdb --if-exists --force {BenchDatabase}");
            await AsPostgresAsync($"createdb -O {owner} {BenchDatabase}");
            builder.Database = BenchDatabase;
            Console.WriteLine($"postgres: database {BenchDatabase} on {builder.Host}:{builder.Port} (owner {owner}), dropped at the end");
            return new PostgresDatabase(builder.ToString());
        }

        public override async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await AsPostgresAsync($"dropdb --if-exists --force {BenchDatabase}");
        }

        private static async Task AsPostgresAsync(string command)
        {
            using var process = Process.Start(new ProcessStartInfo("su", ["postgres", "-c", command])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"su postgres -c '{command}': {error.Trim()}");
        }
    }
}
