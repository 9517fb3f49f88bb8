using WgSupervisor.WireGuard.Parsing;

namespace WgSupervisor.WireGuard.Processes;

public static class ProcessReport
{
    /// <summary>A one-line account of a failed command, with anything shaped like a key removed.</summary>
    public static string Describe(ProcessResult result)
    {
        if (result.TimedOut) return $"timed out after {result.Duration.TotalSeconds:0} s";
        var lastLines = string.Join(" | ", result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("[#]", StringComparison.Ordinal) && !l.Contains('│') && !l.Contains('┌') && !l.Contains('└'))
            .TakeLast(3));
        var text = $"exit code {result.ExitCode}" + (lastLines.Length > 0 ? $": {lastLines}" : "");
        return WireGuardKey.Redact(text.Length > 500 ? text[..500] + "…" : text);
    }
}
