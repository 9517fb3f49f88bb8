using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WgSupervisor.Testing;

/// <summary>
/// The supervisor as a real process (`dotnet wgsupervisor.dll --config FILE`), for the integration tests and the
/// benchmarks alike: its output captured, ready once /healthz answers, an HTTP client with the admin token.
/// Disposing stops it by its PID (SIGTERM, then SIGKILL) and removes the directory it owns — also after a failed start.
/// </summary>
public sealed class SupervisorProcess : IAsyncDisposable
{
    /// <summary>The admin token every supervisor started here gets unless told otherwise; <see cref="Http"/> sends it.</summary>
    public const string AdminToken = "integration-test-token-4f9c2a7e";

    private static readonly List<SupervisorProcess> Running = [];
    private readonly Process _process;
    private readonly SupervisorStart _start;
    private bool _disposed;

    private SupervisorProcess(Process process, SupervisorStart start, OutputLog log, DateTimeOffset startedAt)
    {
        _process = process;
        _start = start;
        Log = log;
        StartedAt = startedAt;
        ProcessId = process.Id;
        BaseUrl = start.BaseUrl ?? throw new ArgumentException("a supervisor to wait for needs the admin URL (BaseUrl)");
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = start.RequestTimeout };
        if (start.AdminToken is not null)
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", start.AdminToken);
    }

    public string Name => _start.Name;
    public Uri BaseUrl { get; }
    public string ConfigPath => _start.ConfigPath;
    public HttpClient Http { get; }
    public int ProcessId { get; }
    public bool HasExited => _process.HasExited;
    /// <summary>Just before the process was started.</summary>
    public DateTimeOffset StartedAt { get; }
    public OutputLog Log { get; }
    /// <summary>Everything the host wrote (of the lines kept), each line ended by a newline.</summary>
    public string Output => Log.Text;

    /// <summary>Every output line with the wall-clock time it was read (the host's own stamps have only seconds).</summary>
    public IReadOnlyList<(DateTimeOffset ReadAt, string Line)> TimedLines => Log.Lines.Select(l => (l.ReadAt, l.Text)).ToList();

    public static string HostAssembly => Repository.HostAssembly;

    public static int FreePort() => LoopbackPort.Free();

    /// <summary>The command that runs the host: `dotnet wgsupervisor.dll [ARGS] --config FILE`, inside a namespace if asked.</summary>
    public static ProcessStartInfo StartInfo(SupervisorStart start)
    {
        var directory = Path.GetDirectoryName(start.ConfigPath);
        var info = new ProcessStartInfo(start.NetworkNamespace is null ? "dotnet" : "ip")
        {
            WorkingDirectory = Directory.Exists(directory) ? directory : Path.GetTempPath(),
        };
        if (start.NetworkNamespace is not null)
            foreach (var argument in new[] { "netns", "exec", start.NetworkNamespace, "dotnet" }) info.ArgumentList.Add(argument);
        info.ArgumentList.Add(start.HostAssembly ?? HostAssembly);
        foreach (var argument in start.Arguments) info.ArgumentList.Add(argument);
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(start.ConfigPath);
        if (start.WithoutInheritedOverrides)
            foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("WGSUP_", StringComparison.Ordinal)).ToList())
                info.Environment.Remove(inherited);
        if (start.AdminToken is not null) info.Environment["WGSUPERVISOR_ADMIN_TOKEN"] = start.AdminToken;
        foreach (var (key, value) in start.Environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return info;
    }

    /// <summary>Runs the host to completion (for start-up failures); returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string configPath, TimeSpan timeout, params string[] extraArguments)
    {
        using var log = new OutputLog();
        using var process = OwnProcess.Start(StartInfo(new SupervisorStart(configPath) { Arguments = extraArguments }), log.Add);
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            OwnProcess.Kill(process, entireProcessTree: true);
            throw new TimeoutException($"the host did not exit within {timeout}");
        }
        return (process.ExitCode, log.Text);
    }

    /// <summary>Starts the host with the test defaults and waits until /healthz answers.</summary>
    public static Task<SupervisorProcess> StartAsync(string configPath, Uri baseUrl, IDictionary<string, string>? environment = null) =>
        StartAsync(new SupervisorStart(configPath) { BaseUrl = baseUrl, Environment = environment?.ToDictionary() });

    /// <summary>Starts the host and waits until /healthz answers; on any failure stops it and removes what it owns before throwing.</summary>
    public static async Task<SupervisorProcess> StartAsync(SupervisorStart start, CancellationToken cancellationToken = default)
    {
        var log = new OutputLog(start.KeepLines, start.LogFile);
        var startedAt = DateTimeOffset.UtcNow;
        Process process;
        try
        {
            process = OwnProcess.Start(StartInfo(start), log.Add);
        }
        catch
        {
            log.Dispose();
            DeleteOwnedDirectory(start);
            throw;
        }
        var supervisor = new SupervisorProcess(process, start, log, startedAt);
        lock (Running) Running.Add(supervisor);
        try
        {
            await supervisor.WaitUntilAsync($"{start.Name} answers /healthz", start.StartTimeout, async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"{start.Name} exited with {process.ExitCode}:\n{supervisor.Log.Tail(60)}");
                try
                {
                    return (await supervisor.Http.GetAsync("/healthz", cancellationToken)).StatusCode == HttpStatusCode.OK;
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    return false;
                }
            }, cancellationToken);
            return supervisor;
        }
        catch
        {
            await supervisor.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken = default)
    {
        var response = await Http.GetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public async Task<JsonArray> EventsAsync(string tunnel) => (await GetJsonAsync($"/api/tunnels/{tunnel}/events")).AsArray();

    public async Task<string> StateAsync(string tunnel) => (await GetJsonAsync($"/api/tunnels/{tunnel}"))["state"]!.GetValue<string>();

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

    /// <summary>Polls a condition (a readiness signal, not a timer) until it holds or the limit passes.</summary>
    public Task WaitUntilAsync(string what, TimeSpan limit, Func<Task<bool>> condition, CancellationToken cancellationToken = default) =>
        Readiness.WaitUntilAsync(what, limit, condition, () => $"--- output of {Name} ---\n{Log.Tail(60)}", _start.Poll, cancellationToken);

    public Task WaitForStateAsync(string tunnel, string state, TimeSpan limit) =>
        WaitUntilAsync($"tunnel {tunnel} in state {state}", limit, async () => await StateAsync(tunnel) == state);

    /// <summary>Waits until the tunnel's events contain the given types in this order (others may come between).</summary>
    public Task WaitForEventSequenceAsync(string tunnel, TimeSpan limit, params string[] types) =>
        WaitUntilAsync($"events {string.Join(" → ", types)} for {tunnel}", limit, async () => ContainsInOrder(await EventsAsync(tunnel), types));

    public static bool ContainsInOrder(JsonArray events, IReadOnlyList<string> types)
    {
        var next = 0;
        foreach (var e in events)
            if (next < types.Count && e!["type"]!.GetValue<string>() == types[next]) next++;
        return next == types.Count;
    }

    /// <summary>SIGKILL: no shutdown, no flush — what a crash looks like. Our own child, ended by PID.</summary>
    /// <param name="waitForExit">False returns at once (to kill something else back to back).</param>
    public void Kill(bool waitForExit = true)
    {
        OwnProcess.Kill(_process);
        if (waitForExit) _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM (the host shuts its actor system down), SIGKILL if it has not stopped within 20 s.</summary>
    public async Task<(int ExitCode, string Output)> StopAsync()
    {
        await OwnProcess.StopAsync(_process);
        return (_process.ExitCode, Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await OwnProcess.StopAsync(_process);
        Http.Dispose();
        _process.Dispose();
        Log.Dispose();
        lock (Running) Running.Remove(this);
        DeleteOwnedDirectory(_start);
    }

    /// <summary>On Ctrl-C: SIGKILL (by PID) every supervisor this program started and still runs, and remove what they own.</summary>
    public static void KillAllStartedHere()
    {
        List<SupervisorProcess> running;
        lock (Running) running = [.. Running];
        foreach (var supervisor in running)
        {
            OwnProcess.Kill(supervisor._process);
            supervisor._process.WaitForExit(5000);
            supervisor.Log.Dispose();
            DeleteOwnedDirectory(supervisor._start);
        }
    }

    private static void DeleteOwnedDirectory(SupervisorStart start)
    {
        if (start.OwnedDirectory is not { } directory || !Directory.Exists(directory)) return;
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"could not delete {directory}: {e.Message}");
        }
    }

    public static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    public static string ToJson(object value) => JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true });
}
