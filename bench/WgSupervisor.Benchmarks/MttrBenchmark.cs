using System.Diagnostics;
using System.Globalization;
using WgSupervisor.Benchmarks.Support;
using WgSupervisor.Testing;

namespace WgSupervisor.Benchmarks;

/// <summary>
/// Time to repair, per fault class, under four arms in one run (issue 11): WgSupervisor as a new user configures it,
/// the same with each tunnel's underlay probe on, no supervisor at all, and a reresolve-dns watchdog. Each cell gets a
/// fresh lab of its own (<see cref="MttrCell"/>: PersistentKeepalive 25, sites dialled by host name), so arms cannot
/// leave state for each other, and the arms of a class can run side by side: their labs are built and their arms
/// started one after the other, then all faults are made at once, so no lab's set-up falls into another's clock.
/// The clock starts when the fault's cause is gone and stops at the first ping answered through the tunnel; the lossy
/// class counts repairs instead. The median of the repetitions is reported, every arm in the same table.
/// </summary>
public static class MttrBenchmark
{
    public static readonly string[] Classes = ["site-restart", "endpoint-move", "endpoint-move-restart", "gw-crash", "hub-4-sites", "blackhole-200", "lossy"];
    public static readonly string[] Arms = ["wgsupervisor", "wgsupervisor-underlay", "none", "reresolve-dns"];

    /// <summary>Which classes run their arms side by side: all, only the long ones (blackhole-200, lossy), or none.</summary>
    public static readonly string[] SideBySideChoices = ["all", "long", "none"];

    private static readonly string[] LongClasses = ["blackhole-200", "lossy"];

    public sealed record Options(int Repetitions = 3, int CapSeconds = 240, IReadOnlyList<string>? OnlyClasses = null, IReadOnlyList<string>? OnlyArms = null,
        int BlackholeSeconds = 200, int LossyMinutes = 5, int LossPercent = 10, int SettleSeconds = 5, string SideBySide = "all");

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var classes = Classes.Where(c => options.OnlyClasses?.Contains(c) ?? true).ToList();
        var arms = Arms.Where(a => options.OnlyArms?.Contains(a) ?? true).ToList();
        var settings = new MttrCell.Settings(TimeSpan.FromSeconds(options.CapSeconds), TimeSpan.FromSeconds(options.BlackholeSeconds),
            TimeSpan.FromMinutes(options.LossyMinutes), options.LossPercent);
        Console.WriteLine($"mttr: classes {string.Join(", ", classes)}; arms {string.Join(", ", arms)}; {options.Repetitions} repetition(s); " +
                          $"cap {options.CapSeconds} s; arms side by side: {options.SideBySide}");
        Console.WriteLine($"host: {SupervisorProcess.HostAssembly}");
        Console.WriteLine("lab: PersistentKeepalive 25 on the gateway, sites dialled by host name; wgsupervisor: ICMP probe every 1 s, everything else default");
        Console.WriteLine("clock: from the fault clearing to the first ping answered through the tunnel (ping from the gateway namespace every 200 ms, -W 0.2)");
        var results = new List<MttrResult>();
        var total = Stopwatch.StartNew();
        for (var repetition = 1; repetition <= options.Repetitions; repetition++)
            foreach (var faultClass in classes)
            {
                var sideBySide = options.SideBySide == "all" || (options.SideBySide == "long" && LongClasses.Contains(faultClass));
                List<List<string>> groups = sideBySide ? [arms] : arms.Select(arm => new List<string> { arm }).ToList();
                foreach (var group in groups)
                    results.AddRange(await RunGroupAsync(faultClass, group, repetition, settings, options, total, cancellationToken));
            }

        Console.WriteLine();
        PrintRecoveries(results, classes, arms, options);
        Console.WriteLine();
        PrintRepairs(results, classes, arms, options);
        Console.WriteLine($"total {total.Elapsed.TotalMinutes:0.0} min");
        return results.Any(r => r.Failed) ? 1 : 0;
    }

    /// <summary>
    /// One cell per arm: prepared one after the other (lab, arm, traffic), a settle, then every fault at once and each cell
    /// timed on its own; every cell removed at the end, also after a failure or Ctrl-C.
    /// </summary>
    private static async Task<IReadOnlyList<MttrResult>> RunGroupAsync(string faultClass, IReadOnlyList<string> arms, int repetition, MttrCell.Settings settings,
        Options options, Stopwatch total, CancellationToken cancellationToken)
    {
        var cells = arms.Select(arm => new MttrCell(faultClass, arm, repetition, settings)).ToList();
        var results = new List<MttrResult>();
        try
        {
            var ready = new List<MttrCell>();
            foreach (var cell in cells)
            {
                try
                {
                    await cell.PrepareAsync(cancellationToken);
                    ready.Add(cell);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    results.Add(MttrResult.Error(faultClass, cell.Arm, repetition, e));
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);
            results.AddRange(await Task.WhenAll(ready.Select(async cell =>
            {
                try
                {
                    return await cell.MeasureAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    return MttrResult.Error(faultClass, cell.Arm, repetition, e);
                }
            })));
        }
        finally
        {
            foreach (var cell in cells) await cell.DisposeAsync();
        }
        var ordered = results.OrderBy(r => Array.IndexOf(Arms, r.Arm)).ToList();
        foreach (var r in ordered)
            Console.WriteLine($"[{total.Elapsed:hh\\:mm\\:ss}] {faultClass,-21} | {r.Arm,-21} | rep {repetition} | {Outcome(r, settings.Cap)}" +
                              $"{(r.Note.Length > 0 ? $" | {r.Note}" : "")}");
        return ordered;
    }

    /// <summary>The recovery table: a row per class (per site for the hub), a column per arm, the median of the repetitions.</summary>
    private static void PrintRecoveries(IReadOnlyList<MttrResult> results, IReadOnlyList<string> classes, IReadOnlyList<string> arms, Options options)
    {
        var cap = TimeSpan.FromSeconds(options.CapSeconds);
        Console.WriteLine($"MTTR (median of {options.Repetitions}; time from the fault clearing to the first answered ping; cap {cap.TotalSeconds:0} s; " +
                          "lossy: repairs started, no time)");
        PrintHeader("ratio (reresolve/WgSupervisor)");
        foreach (var faultClass in classes)
        {
            if (faultClass == "lossy")
            {
                PrintRow(Label(faultClass, options), arm => arms.Contains(arm) ? FormatCount(MedianRepairs(results, faultClass, arm), "repairs") : "-", "-");
                continue;
            }
            var sites = results.Where(r => r.Class == faultClass).SelectMany(r => r.Recoveries.Select(s => s.Site)).Distinct().Order().ToList();
            foreach (var site in sites.Count == 0 ? ["site1"] : sites)
            {
                TimeSpan? Median(string arm) => MedianRecovery(results, faultClass, arm, site);
                string Column(string arm) => !arms.Contains(arm) || Median(arm) is not { } m ? "-" : Format(m == TimeSpan.MaxValue ? null : m, cap);
                var label = sites.Count > 1 ? $"{Label(faultClass, options)} {site}" : Label(faultClass, options);
                PrintRow(label, Column, Ratio(Median("wgsupervisor"), Median("reresolve-dns"), cap));
            }
        }
    }

    /// <summary>The repairs table: what each arm did after the fault (the supervisor's repair-started events, the watchdog's `wg set`).</summary>
    private static void PrintRepairs(IReadOnlyList<MttrResult> results, IReadOnlyList<string> classes, IReadOnlyList<string> arms, Options options)
    {
        Console.WriteLine($"Repairs after the fault (median of {options.Repetitions}; WgSupervisor: repairs started, all tunnels of the cell; " +
                          "reresolve-dns: `wg set … endpoint` issued; none: nothing repairs)");
        PrintHeader("");
        foreach (var faultClass in classes)
            PrintRow(Label(faultClass, options), arm => arms.Contains(arm) ? FormatCount(MedianRepairs(results, faultClass, arm), "") : "-", "");
    }

    /// <param name="last">The heading of a last column after the arms; empty: none.</param>
    private static void PrintHeader(string last)
    {
        Console.WriteLine($"{"class",-26} | {"WgSupervisor",-16} | {"WgSup+underlay",-16} | {"none",-16} | {"reresolve-dns",-16}{(last.Length > 0 ? $" | {last}" : "")}");
        Console.WriteLine($"{new string('-', 26)}-|-{new string('-', 16)}-|-{new string('-', 16)}-|-{new string('-', 16)}-|-{new string('-', 16)}" +
                          $"{(last.Length > 0 ? $"-|-{new string('-', 30)}" : "")}");
    }

    private static void PrintRow(string label, Func<string, string> column, string last) =>
        Console.WriteLine($"{label,-26} | {column("wgsupervisor"),-16} | {column("wgsupervisor-underlay"),-16} | {column("none"),-16} | " +
                          $"{column("reresolve-dns"),-16}{(last.Length > 0 ? $" | {last}" : "")}");

    /// <summary>The median recovery of one site over the repetitions (never = TimeSpan.MaxValue); null when no cell measured it.</summary>
    private static TimeSpan? MedianRecovery(IReadOnlyList<MttrResult> results, string faultClass, string arm, string site)
    {
        var values = results.Where(r => r.Class == faultClass && r.Arm == arm && !r.Failed)
            .Select(r => r.Recoveries.FirstOrDefault(s => s.Site == site)?.Recovery ?? TimeSpan.MaxValue).Order().ToList();
        return values.Count == 0 ? null : values[values.Count / 2];
    }

    private static int? MedianRepairs(IReadOnlyList<MttrResult> results, string faultClass, string arm)
    {
        var values = results.Where(r => r.Class == faultClass && r.Arm == arm && r.Repairs is not null).Select(r => r.Repairs!.Value).Order().ToList();
        return values.Count == 0 ? null : values[values.Count / 2];
    }

    private static string Ratio(TimeSpan? supervised, TimeSpan? reresolve, TimeSpan cap) => (supervised, reresolve) switch
    {
        ({ } s, { } r) when s != TimeSpan.MaxValue && r != TimeSpan.MaxValue && s > TimeSpan.Zero => (r / s).ToString("0.0", CultureInfo.InvariantCulture),
        ({ } s, { } r) when s != TimeSpan.MaxValue && r == TimeSpan.MaxValue && s > TimeSpan.Zero => $">{(cap / s).ToString("0", CultureInfo.InvariantCulture)}",
        ({ } s, _) when s == TimeSpan.MaxValue => "n/a (WgSupervisor never)",
        _ => "-",
    };

    private static string Label(string faultClass, Options options) => faultClass switch
    {
        "blackhole-200" => $"blackhole {options.BlackholeSeconds} s",
        "lossy" => $"lossy {options.LossPercent} % {options.LossyMinutes} min",
        _ => faultClass,
    };

    private static string Outcome(MttrResult result, TimeSpan cap) => result switch
    {
        { Failed: true } => "-",
        { Recoveries.Count: 0 } => FormatCount(result.Repairs, "repairs"),
        { Recoveries.Count: 1 } => Format(result.Recoveries[0].Recovery, cap),
        _ => string.Join(", ", result.Recoveries.Select(s => $"{s.Site} {Format(s.Recovery, cap)}")),
    };

    private static string FormatCount(int? count, string unit) => count is { } n ? $"{n}{(unit.Length > 0 ? " " + unit : "")}" : "-";

    private static string Format(TimeSpan? recovery, TimeSpan cap) =>
        recovery is { } r ? $"{r.TotalSeconds:0.0} s" : $">{cap.TotalSeconds:0} s (never)";
}
