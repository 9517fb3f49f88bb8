using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WgSupervisor.FleetBenchmarks.Support;

/// <summary>
/// The supervisor as a real process (`dotnet wgsupervisor.dll --config FILE`) in its own temporary directory,
/// on a free loopback port, its output in a log file there. Disposing stops it (SIGTERM, then SIGKILL, by its
/// PID: only the process this run started) and deletes the directory.
/// </summary>
public sealed class SupervisorRun : IAsyncDisposable
{
    public const string AdminToken = "fleet-benchmark-token-7d1e";
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private SupervisorRun(Process process, string directory, Uri baseUrl, StreamWriter log)
    {
        _process = process;
        Directory = directory;
        BaseUrl = baseUrl;
        _log = log;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        _pumps = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public string Directory { get; }
    public Uri BaseUrl { get; }
    public HttpClient Http { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public DateTimeOffset StartedAt { get; private init; }
    public string LogPath => Path.Combine(Directory, "supervisor.log");

    /// <summary>A fresh temporary directory for one run's configuration, journal and world file.</summary>
    public static string NewDirectory(string label)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"wgs-fleetbench-{label}-{Guid.NewGuid():N}"[..40]);
        System.IO.Directory.CreateDirectory(directory);
        return directory;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>src/WgSupervisor.Host/bin/&lt;Configuration&gt;/net10.0/wgsupervisor.dll, or WGSUPERVISOR_BENCH_HOST.</summary>
    public static string HostAssembly
    {
        get
        {
            if (Environment.GetEnvironmentVariable("WGSUPERVISOR_BENCH_HOST") is { Length: > 0 } given) return given;
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

    /// <summary>Writes the configuration into <paramref name="directory"/>, starts the host there and waits for /healthz.</summary>
    /// <param name="environment">Extra environment variables for the host (experiments such as DOTNET_gcServer=0).</param>
    public static async Task<SupervisorRun> StartAsync(string directory, int port, object configuration, TimeSpan? startTimeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var configPath = Path.Combine(directory, "wgsupervisor.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(configuration, new JsonSerializerOptions { WriteIndented = true }));
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        startInfo.ArgumentList.Add(HostAssembly);
        startInfo.ArgumentList.Add("--config");
        startInfo.ArgumentList.Add(configPath);
        // The benchmark's configuration file is the whole configuration: no WGSUP_ overrides from this shell.
        foreach (var inherited in startInfo.Environment.Keys.Where(k => k.StartsWith("WGSUP_", StringComparison.Ordinal)).ToList())
            startInfo.Environment.Remove(inherited);
        startInfo.Environment["WGSUPERVISOR_ADMIN_TOKEN"] = AdminToken;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) startInfo.Environment[key] = value;
        var startedAt = DateTimeOffset.UtcNow;
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StreamWriter(Path.Combine(directory, "supervisor.log")) { AutoFlush = true };
        var run = new SupervisorRun(process, directory, new Uri($"http://127.0.0.1:{port}"), log) { StartedAt = startedAt };
        lock (Running) Running.Add(run);
        var limit = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var exitCode = process.ExitCode;
                var tail = await run.StopAndTailAsync();
                throw new InvalidOperationException($"the host exited with {exitCode}:\n{tail}");
            }
            try
            {
                if ((await run.Http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return run;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (limit.Elapsed > (startTimeout ?? TimeSpan.FromSeconds(90)))
            {
                var tail = await run.StopAndTailAsync();
                throw new TimeoutException($"the host did not answer /healthz:\n{tail}");
            }
            await Task.Delay(200);
        }
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_log) _log.WriteLine(line);
    }

    public async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken = default)
    {
        var response = await Http.GetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Every event of the fleet from /api/events, oldest first, page by page.</summary>
    public async Task<List<JsonObject>> AllEventsAsync()
    {
        var all = new List<JsonObject>();
        long? after = 0;
        for (var page = 0; page < 10_000 && after is not null; page++)
        {
            var json = await GetJsonAsync($"/api/events?limit=1000&after={after}");
            all.AddRange(json["events"]!.AsArray().Select(e => e!.AsObject()));
            after = json["next"]?.GetValue<long>();
        }
        return all;
    }

    /// <summary>Stops the host, deletes the directory, and returns the last lines of its output.</summary>
    private async Task<string> StopAndTailAsync()
    {
        await StopAsync();
        var tail = File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(40)) : "(no output)";
        await DisposeAsync();
        return tail;
    }

    /// <summary>Copies the host's output (so far) to <paramref name="path"/>, e.g. to keep it after the run.</summary>
    public void CopyLogTo(string path)
    {
        lock (_log)
        {
            _log.Flush();
            File.Copy(LogPath, path, overwrite: true);
        }
    }

    private bool _disposed;

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM to our own child, by PID; SIGKILL (by PID) if it does not stop.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await term.WaitForExitAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await StopAsync();
        await _pumps;
        lock (_log) _log.Dispose();
        Http.Dispose();
        _process.Dispose();
        lock (Running) Running.Remove(this);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"could not delete {Directory}: {e.Message}");
        }
    }

    private static readonly List<SupervisorRun> Running = [];

    /// <summary>On Ctrl-C: kill (by PID) every supervisor this program started and delete its directory.</summary>
    public static void KillAllStartedByUs()
    {
        List<SupervisorRun> runs;
        lock (Running) runs = [.. Running];
        foreach (var run in runs)
        {
            try
            {
                if (!run._process.HasExited) run._process.Kill(entireProcessTree: false);
                run._process.WaitForExit(5000);
                System.IO.Directory.Delete(run.Directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"cleanup of PID {run.ProcessId}: {e.Message}");
            }
        }
    }
}
