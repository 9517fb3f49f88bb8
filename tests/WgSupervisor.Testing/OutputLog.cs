using System.Diagnostics;
using System.Text;

namespace WgSupervisor.Testing;

/// <summary>One line a process wrote, with the wall-clock time it was read and a monotonic stamp (<see cref="Stopwatch.GetTimestamp"/>).</summary>
public readonly record struct OutputLine(DateTimeOffset ReadAt, long Timestamp, string Text);

/// <summary>
/// What a process wrote on stdout and stderr, line by line in arrival order: in memory (all lines, or only the last few
/// for long runs), and optionally also in a file as it comes.
/// </summary>
public sealed class OutputLog : IDisposable
{
    private readonly List<OutputLine> _lines = [];
    private readonly int? _keepLast;
    private readonly StreamWriter? _file;
    private bool _closed;

    /// <param name="keepLast">How many lines to keep in memory; null keeps them all.</param>
    /// <param name="file">A file that receives every line as it comes (the host's log of a long benchmark run).</param>
    public OutputLog(int? keepLast = null, string? file = null)
    {
        _keepLast = keepLast;
        FilePath = file;
        if (file is not null) _file = new StreamWriter(file) { AutoFlush = true };
    }

    public string? FilePath { get; }

    public void Add(string line)
    {
        var entry = new OutputLine(DateTimeOffset.UtcNow, Stopwatch.GetTimestamp(), line);
        lock (_lines)
        {
            if (!_closed) _file?.WriteLine(line);
            _lines.Add(entry);
            if (_keepLast is { } keep && _lines.Count > keep) _lines.RemoveRange(0, _lines.Count - keep);
        }
    }

    public IReadOnlyList<OutputLine> Lines
    {
        get
        {
            lock (_lines) return _lines.ToList();
        }
    }

    /// <summary>The kept lines as text, each ended by a newline.</summary>
    public string Text
    {
        get
        {
            var text = new StringBuilder();
            lock (_lines)
                foreach (var line in _lines) text.Append(line.Text).Append('\n');
            return text.ToString();
        }
    }

    public string Tail(int count)
    {
        lock (_lines) return string.Join('\n', _lines.TakeLast(count).Select(l => l.Text));
    }

    /// <summary>How long after <paramref name="since"/> (a <see cref="Stopwatch.GetTimestamp"/>) a line containing <paramref name="text"/> first came; null if none has.</summary>
    public TimeSpan? FirstSince(string text, long since)
    {
        lock (_lines)
            foreach (var line in _lines)
                if (line.Timestamp >= since && line.Text.Contains(text, StringComparison.Ordinal))
                    return Stopwatch.GetElapsedTime(since, line.Timestamp);
        return null;
    }

    /// <summary>Copies the file so far to <paramref name="path"/> (to keep it after its directory is removed).</summary>
    public void CopyTo(string path)
    {
        if (FilePath is null) throw new InvalidOperationException("this log has no file");
        lock (_lines)
        {
            _file?.Flush();
            File.Copy(FilePath, path, overwrite: true);
        }
    }

    public void Dispose()
    {
        lock (_lines)
        {
            _closed = true;
            _file?.Dispose();
        }
    }
}
