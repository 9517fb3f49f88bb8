using System.Globalization;
using System.Runtime.InteropServices;

namespace WgSupervisor.FleetBenchmarks.Support;

/// <summary>One reading of a process's CPU time (utime + stime, /proc/PID/stat) and resident memory (VmRSS, /proc/PID/status).</summary>
public readonly record struct ProcSample(DateTimeOffset At, double ElapsedSeconds, long CpuTicks, long RssKiB)
{
    private static readonly Lazy<long> Ticks = new(() =>
    {
        var value = sysconf(ScClkTck);
        return value > 0 ? value : 100;
    });

    private const int ScClkTck = 2; // _SC_CLK_TCK on Linux

    [DllImport("libc", SetLastError = true)]
    private static extern long sysconf(int name);

    /// <summary>Clock ticks per second (sysconf(_SC_CLK_TCK), 100 on Linux).</summary>
    public static long TicksPerSecond => Ticks.Value;

    public double CpuSeconds => (double)CpuTicks / TicksPerSecond;
    public double RssMiB => RssKiB / 1024.0;

    /// <summary>Null once the process is gone.</summary>
    public static ProcSample? Read(int pid, double elapsedSeconds)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); utime is field 14, stime field 15.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            long rss = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                break;
            }
            return new ProcSample(DateTimeOffset.UtcNow, elapsedSeconds, ticks, rss);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
