using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// The supervisor as a real process (`dotnet wgsupervisor.dll --config FILE`), on a free loopback port,
/// with its output captured. Disposing stops it (SIGTERM, then kill by PID) and removes its files.
/// </summary>
public sealed class SupervisorProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The admin token every supervisor started here gets; <see cref="Http"/> sends it.</summary>
    public const string AdminToken = "integration-test-token-4f9c2a7e";
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(DateTimeOffset ReadAt, string Line)> _lines = [];

    private SupervisorProcess(Process process, Uri baseUrl, string configPath)
    {
        _process = process;
        BaseUrl = baseUrl;
        ConfigPath = configPath;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(15) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public Uri BaseUrl { get; }
    public string ConfigPath { get; }
    public HttpClient Http { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static string HostAssembly
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = directory.Parent?.Name ?? "Debug"; // bin/<Configuration>/net10.0/
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WgSupervisor.sln"))) directory = directory.Parent;
            if (directory is null) throw new InvalidOperationException("cannot find WgSupervisor.sln above the test directory");
            var path = Path.Combine(directory.FullName, "src", "WgSupervisor.Host", "bin", configuration, "net10.0", "wgsupervisor.dll");
            return File.Exists(path) ? path : throw new InvalidOperationException($"the host is not built: {path}");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs the host to completion (for start-up failures); returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string configPath, TimeSpan timeout, params string[] extraArguments)
    {
        using var process = Start(configPath, extraArguments, null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the host did not exit within {timeout}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts the host and waits until /healthz answers.</summary>
    public static async Task<SupervisorProcess> StartAsync(string configPath, Uri baseUrl, IDictionary<string, string>? environment = null)
    {
        var process = Start(configPath, [], environment);
        var supervisor = new SupervisorProcess(process, baseUrl, configPath);
        process.OutputDataReceived += (_, e) => supervisor.Append(e.Data);
        process.ErrorDataReceived += (_, e) => supervisor.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await supervisor.WaitUntilAsync("the host answers /healthz", StartTimeout, async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"the host exited with {process.ExitCode}:\n{supervisor.Output}");
            try
            {
                return (await supervisor.Http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        });
        return supervisor;
    }

    private static Process Start(string configPath, IReadOnlyList<string> extraArguments, IDictionary<string, string>? environment)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.Exists(Path.GetDirectoryName(configPath)) ? Path.GetDirectoryName(configPath)! : Path.GetTempPath(),
        };
        startInfo.ArgumentList.Add(HostAssembly);
        foreach (var argument in extraArguments) startInfo.ArgumentList.Add(argument);
        startInfo.ArgumentList.Add("--config");
        startInfo.ArgumentList.Add(configPath);
        startInfo.Environment["WGSUPERVISOR_ADMIN_TOKEN"] = AdminToken;
        if (environment is not null)
            foreach (var (key, value) in environment) startInfo.Environment[key] = value;
        return Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            _lines.Add((DateTimeOffset.UtcNow, line));
        }
    }

    /// <summary>Every output line with the wall-clock time the test read it (the host's own stamps have only seconds).</summary>
    public IReadOnlyList<(DateTimeOffset ReadAt, string Line)> TimedLines
    {
        get
        {
            lock (_output) return _lines.ToList();
        }
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public async Task<JsonArray> EventsAsync(string tunnel) => (await GetJsonAsync($"/api/tunnels/{tunnel}/events")).AsArray();

    public async Task<string> StateAsync(string tunnel) => (await GetJsonAsync($"/api/tunnels/{tunnel}"))["state"]!.GetValue<string>();

    /// <summary>Polls a condition (a readiness signal, not a timer) until it holds or the limit passes.</summary>
    public async Task WaitUntilAsync(string what, TimeSpan limit, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        var attempts = 0;
        while (clock.Elapsed < limit && attempts++ < 10_000)
        {
            if (await condition()) return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"waited {limit.TotalSeconds:0} s for: {what}\n--- supervisor output ---\n{Tail(Output, 60)}");
    }

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
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public async Task<(int ExitCode, string Output)> StopAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM lets the host shut down its actor system; it is our own child, ended by PID.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await term.WaitForExitAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        return (_process.ExitCode, Output);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
        _process.Dispose();
    }

    public static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    public static string ToJson(object value) => JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true });
}
