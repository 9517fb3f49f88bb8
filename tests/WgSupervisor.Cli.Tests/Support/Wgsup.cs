using System.Diagnostics;

namespace WgSupervisor.Cli.Tests.Support;

/// <summary>What one run of wgsup did.</summary>
public sealed record WgsupRun(int ExitCode, string Out, string Error)
{
    public string All => Out + Error;
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

/// <summary>Runs wgsup in-process with string writers and an environment of the test's own (the process's is never read).</summary>
public static class Wgsup
{
    public static async Task<WgsupRun> RunAsync(IReadOnlyDictionary<string, string>? environment, bool interactive, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = CliConsole.ForWriters(output, error, interactive);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exitCode = await WgsupApp.RunAsync(args, console, name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            limit.Token);
        return new WgsupRun(exitCode, output.ToString(), error.ToString());
    }

    public static Task<WgsupRun> RunAsync(params string[] args) => RunAsync(null, false, args);

    /// <summary>The built wgsup.dll as a real process (`dotnet wgsup.dll ...`), for what only a process shows: Program's wiring.</summary>
    public static async Task<WgsupRun> RunProcessAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wgsup.dll"));
        foreach (var argument in args) startInfo.ArgumentList.Add(argument);
        startInfo.Environment.Remove("WGSUPERVISOR_URL");
        startInfo.Environment.Remove("WGSUPERVISOR_ADMIN_TOKEN");
        foreach (var (key, value) in environment) startInfo.Environment[key] = value;
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("wgsup did not exit within 60 s");
        }
        return new WgsupRun(process.ExitCode, await stdout, await stderr);
    }
}
