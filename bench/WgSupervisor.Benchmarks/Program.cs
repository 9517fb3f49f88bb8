using WgSupervisor.Benchmarks;
using WgSupervisor.Lab;
using WgSupervisor.Testing;
using static WgSupervisor.Testing.BenchArguments;

// wgsupervisor-bench probe-cpu [--sites 20] [--per-site 10] [--seconds 60] [--ping-rounds 5]
// wgsupervisor-bench mttr [--reps 3] [--cap 240] [--classes site-restart,...,lossy] [--arms wgsupervisor,wgsupervisor-underlay,none,reresolve-dns]
//                        [--side-by-side all|long|none] [--blackhole-seconds 200] [--lossy-minutes 5] [--loss-percent 10]
// Both build real wireguard-go labs in network namespaces (root) and remove them at the end, also on Ctrl-C.

const string Usage = """
    usage: wgsupervisor-bench probe-cpu [--sites N (1-50, default 20)] [--per-site K (1-200, default 10)] [--seconds S (default 60)] [--ping-rounds R (default 5)]
           wgsupervisor-bench mttr [--reps N (default 3)] [--cap SECONDS (default 240)] [--classes a,b,...] [--arms a,b,...]
                                   [--side-by-side all|long|none (default all)] [--blackhole-seconds S (default 200)]
                                   [--lossy-minutes M (default 5)] [--loss-percent P (default 10)] [--settle SECONDS (default 5)]
             classes: site-restart, endpoint-move, endpoint-move-restart, gw-crash, hub-4-sites, blackhole-200, lossy
             arms: wgsupervisor, wgsupervisor-underlay, none, reresolve-dns
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
if (WireGuardLab.MissingPrerequisite() is { } missing)
{
    Console.Error.WriteLine($"wgsupervisor-bench: {missing}");
    return 2;
}

return await BenchProgram.RunAsync("wgsupervisor-bench", Usage, "labs removed", args, async (flags, stop) =>
{
    Console.WriteLine($"wgsupervisor-bench {args[0]} on {Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
                      $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}, " +
                      $"DOTNET_ThreadPool_UnfairSemaphoreSpinLimit={Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit") ?? "(default)"}");
    switch (args[0])
    {
        case "probe-cpu":
            return await ProbeCpuBenchmark.RunAsync(new ProbeCpuBenchmark.Options(
                Sites: Int(flags, "sites", 20, 1, 50),
                AddressesPerSite: Int(flags, "per-site", 10, 1, 200),
                Seconds: Int(flags, "seconds", 60, 2, 3600),
                PingRounds: Int(flags, "ping-rounds", 5, 1, 1000)), stop);
        case "mttr":
            return await MttrBenchmark.RunAsync(new MttrBenchmark.Options(
                Repetitions: Int(flags, "reps", 3, 1, 20),
                CapSeconds: Int(flags, "cap", 240, 10, 3600),
                OnlyClasses: List(flags, "classes", MttrBenchmark.Classes),
                OnlyArms: List(flags, "arms", MttrBenchmark.Arms),
                BlackholeSeconds: Int(flags, "blackhole-seconds", 200, 1, 3600),
                LossyMinutes: Int(flags, "lossy-minutes", 5, 1, 120),
                LossPercent: Int(flags, "loss-percent", 10, 1, 90),
                SettleSeconds: Int(flags, "settle", 5, 0, 600),
                SideBySide: Choice(flags, "side-by-side", "all", MttrBenchmark.SideBySideChoices)), stop);
        default:
            Console.Error.WriteLine($"wgsupervisor-bench: unknown command '{args[0]}'\n{Usage}");
            return 2;
    }
});

static string Choice(Dictionary<string, string> flags, string name, string fallback, IReadOnlyList<string> allowed) =>
    List(flags, name, allowed) switch
    {
        null => fallback,
        [var one] => one,
        _ => throw new ArgumentException($"--{name}: one of {string.Join(", ", allowed)}"),
    };
