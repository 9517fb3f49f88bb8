using WgSupervisor.ClusterBenchmarks;
using WgSupervisor.Lab;
using WgSupervisor.Testing;
using static WgSupervisor.Testing.BenchArguments;

// wgsupervisor-cluster-bench propagation [--nodes 3] [--tunnels 300] [--changes 100] [--list-requests 600] [--poll 5] [--arms together|one-after-the-other]
//                                        [--rounds 1] [--observer-poll-ms 20] [--postgres CONNSTRING]
// wgsupervisor-cluster-bench takeover [--reps 3] [--stable-after 7] [--deadline 120] [--postgres CONNSTRING]
// Both start real supervisor processes (src/WgSupervisor.Host/bin/<Configuration>/net10.0/wgsupervisor.dll) on 127.0.0.1 with
// the PostgreSQL journal (bash scripts/postgres.sh start; the connection string from WGSUPERVISOR_TEST_POSTGRES, --postgres,
// or the one scripts/postgres.sh prints); takeover builds real wireguard-go labs in network namespaces (root).
// Each runs two arms in the same run: the nodes talking plain TCP (akka.tcp, allowed on loopback) and mutual TLS (akka.ssl.tcp,
// Cluster:Tls with certificates made by `wgsupervisor certs` in a temporary directory) — propagation runs both clusters at the same
// time, takeover interleaves their repetitions — and prints both with the relative difference.
// Everything they start is stopped by PID and every namespace and certificate directory removed, also on failure and on Ctrl-C.

const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Database=wgsup_test;Username=wgsup_test;Password=wgsup_test_password";
const string Usage = """
    usage: wgsupervisor-cluster-bench propagation [--nodes N (2-5, default 3)] [--tunnels T (1-5000, default 300)] [--changes C (default 100)]
                                                  [--list-requests R (default 600)] [--poll SECONDS (1-60, default 5)]
                                                  [--arms together|one-after-the-other (default together)]
                                                  [--rounds N (1-20, default 1; with one-after-the-other the arms alternate N times, pooled)]
                                                  [--observer-poll-ms MS (1-100, default 20: how often the observer reads the tunnel)]
                                                  [--postgres CONNSTRING]
           wgsupervisor-cluster-bench takeover [--reps N (default 3)] [--stable-after SECONDS (1-60, default 7)] [--deadline SECONDS (default 120)]
                                               [--postgres CONNSTRING]
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
if (args[0] == "takeover" && WireGuardLab.MissingPrerequisite() is { } missing)
{
    Console.Error.WriteLine($"wgsupervisor-cluster-bench: {missing}");
    return 2;
}

return await BenchProgram.RunAsync("wgsupervisor-cluster-bench", Usage, "nodes and labs removed", args, async (flags, stop) =>
{
    var postgres = flags.GetValueOrDefault("postgres") ?? Environment.GetEnvironmentVariable("WGSUPERVISOR_TEST_POSTGRES") ?? DefaultPostgres;
    Console.WriteLine($"wgsupervisor-cluster-bench {args[0]} on {Environment.MachineName}, {Environment.ProcessorCount} cores, " +
                      $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, " +
                      $"load average {LoadAverage()}, host {SupervisorProcess.HostAssembly}");
    switch (args[0])
    {
        case "propagation":
            return await PropagationBenchmark.RunAsync(new PropagationBenchmark.Options(
                Nodes: Int(flags, "nodes", 3, 2, 5),
                TunnelsPerNode: Int(flags, "tunnels", 300, 1, 5000),
                Changes: Int(flags, "changes", 100, 1, 10_000),
                ListRequests: Int(flags, "list-requests", 600, 1, 100_000),
                PollSeconds: Int(flags, "poll", 5, 1, 60),
                Postgres: postgres,
                ArmsTogether: flags.GetValueOrDefault("arms") != "one-after-the-other",
                Rounds: Int(flags, "rounds", 1, 1, 20),
                ObserverPollMs: Int(flags, "observer-poll-ms", 20, 1, 100)), stop);
        case "takeover":
            return await TakeoverBenchmark.RunAsync(new TakeoverBenchmark.Options(
                Repetitions: Int(flags, "reps", 3, 1, 20),
                StableAfterSeconds: Int(flags, "stable-after", 7, 1, 60),
                DeadlineSeconds: Int(flags, "deadline", 120, 10, 600),
                Postgres: postgres), stop);
        default:
            Console.Error.WriteLine($"wgsupervisor-cluster-bench: unknown command '{args[0]}'\n{Usage}");
            return 2;
    }
});
