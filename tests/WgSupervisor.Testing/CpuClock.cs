using System.Globalization;
using System.Runtime.InteropServices;

namespace WgSupervisor.Testing;

/// <summary>CPU time of a process from /proc/PID/stat: its own user+system time, and that of its children it has reaped.</summary>
public readonly record struct CpuSample(TimeSpan Self, TimeSpan Children)
{
    public TimeSpan Total => Self + Children;
    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.Self - b.Self, a.Children - b.Children);
}

/// <summary>The one reader of /proc/PID/stat CPU times for the benchmarks (Linux).</summary>
public static class CpuClock
{
    private const int ScClkTck = 2; // _SC_CLK_TCK on Linux
    private static readonly Lazy<long> Ticks = new(() =>
    {
        var value = sysconf(ScClkTck);
        return value > 0 ? value : 100;
    });

    [DllImport("libc", SetLastError = true)]
    private static extern long sysconf(int name);

    /// <summary>Clock ticks per second of /proc's CPU times (sysconf(_SC_CLK_TCK), 100 on Linux).</summary>
    public static long TicksPerSecond => Ticks.Value;

    public static CpuSample Self() => Read("self") ?? throw new InvalidOperationException("cannot read /proc/self/stat");

    /// <summary>Null if the process is gone.</summary>
    public static CpuSample? Of(int pid) => Read(pid.ToString(CultureInfo.InvariantCulture));

    private static CpuSample? Read(string pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
        double Field(int field) => double.Parse(fields[field - 3], CultureInfo.InvariantCulture);
        double perSecond = TicksPerSecond;
        return new CpuSample(
            TimeSpan.FromSeconds((Field(14) + Field(15)) / perSecond),
            TimeSpan.FromSeconds((Field(16) + Field(17)) / perSecond));
    }

    /// <summary>CPU time as a percentage of one core over a wall-clock span.</summary>
    public static double PercentOfOneCore(TimeSpan cpu, TimeSpan wall) => wall <= TimeSpan.Zero ? 0 : 100.0 * cpu.TotalSeconds / wall.TotalSeconds;
}
