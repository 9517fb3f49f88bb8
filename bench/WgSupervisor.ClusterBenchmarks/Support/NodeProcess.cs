using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace WgSupervisor.ClusterBenchmarks.Support;

/// <summary>
/// One supervisor node as a real process (`dotnet wgsupervisor.dll --config FILE`) on 127.0.0.1, its config in a
/// temporary directory of its own. Every output line is kept with the moment it arrived (a monotonic clock shared
/// by the whole benchmark), so that "when did the standby say it carries the tunnel" can be measured. A small copy
/// of the integration tests' SupervisorProcess. Disposing stops it by PID (SIGTERM, then SIGKILL) and removes the
/// directory.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    public const string AdminToken = "cluster-benchmark-token-7b31e0c2";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly List<(TimeSpan At, string Line)> _lines = [];
    private readonly string _directory;
    private bool _disposed;

    private NodeProcess(string name, Process process, Uri baseUrl, string directory)
    {
        Name = name;
        _process = process;
        ProcessId = process.Id;
        _directory = directory;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(20) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public string Name { get; }
    public HttpClient Http { get; }
    public int ProcessId { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>src/WgSupervisor.Host/bin/&lt;Configuration&gt;/net10.0/wgsupervisor.dll, found from this program's own bin directory.</summary>
    public static string HostAssembly
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = directory.Parent?.Name ?? "Release"; // bin/<Configuration>/net10.0/
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WgSupervisor.sln"))) directory = directory.Parent;
            if (directory is null) throw new InvalidOperationException("cannot find WgSupervisor.sln above the benchmark's directory");
            var path = Path.Combine(directory.FullName, "src", "WgSupervisor.Host", "bin", configuration, "net10.0", "wgsupervisor.dll");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"the host is not built: {path} (dotnet build src/WgSupervisor.Host -c {configuration})");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Writes the config, starts the host, and waits until /healthz answers.</summary>
    public static async Task<NodeProcess> StartAsync(string name, object configuration, int adminPort, Stopwatch clock, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"wgs-clusterbench-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var configPath = Path.Combine(directory, "wgsupervisor.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(configuration, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { HostAssembly, "--config", configPath }) start.ArgumentList.Add(argument);
        start.Environment["WGSUPERVISOR_ADMIN_TOKEN"] = AdminToken;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var node = new NodeProcess(name, process, new Uri($"http://127.0.0.1:{adminPort}"), directory);
        process.OutputDataReceived += (_, e) => node.Append(clock, e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(clock, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await node.WaitUntilAsync($"{name} answers /healthz", StartTimeout, async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"{name} exited with {process.ExitCode}:\n{node.Tail(30)}");
                try
                {
                    return (await node.Http.GetAsync("/healthz", cancellationToken)).StatusCode == HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
            }, cancellationToken);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    private void Append(Stopwatch clock, string? line)
    {
        if (line is null) return;
        var at = clock.Elapsed;
        lock (_lines) _lines.Add((at, line));
    }

    /// <summary>When (on the benchmark's clock) a line containing <paramref name="text"/> first arrived at or after <paramref name="after"/>.</summary>
    public TimeSpan? FirstLine(string text, TimeSpan after)
    {
        lock (_lines)
            foreach (var (at, line) in _lines)
                if (at >= after && line.Contains(text, StringComparison.Ordinal))
                    return at;
        return null;
    }

    public string Tail(int count)
    {
        lock (_lines) return string.Join('\n', _lines.TakeLast(count).Select(l => l.Line));
    }

    /// <summary>Polls a condition (a readiness signal, not a timer) until it holds or the limit passes.</summary>
    public async Task WaitUntilAsync(string what, TimeSpan limit, Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; clock.Elapsed < limit && attempt < 10_000; attempt++)
        {
            if (await condition()) return;
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"waited {limit.TotalSeconds:0} s for: {what}\n--- {Name} output ---\n{Tail(40)}");
    }

    /// <summary>SIGKILL: no shutdown, no flush — what a crash looks like. Our own child, ended by PID.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            // SIGTERM lets the host shut down its actor system; it is our own child, ended by PID.
            try
            {
                using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                    await term.WaitForExitAsync();
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: false);
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine($"warning: {Name} (pid {_process.Id}) did not exit after SIGKILL");
                }
            }
        }
        else
        {
            _process.WaitForExit(); // drain the output readers
        }
        Http.Dispose();
        _process.Dispose();
        try
        {
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
