using WgSupervisor.WireGuard.Processes;

namespace WgSupervisor.WireGuard.Tests.Support;

/// <summary>One command as the adapter asked for it: nothing is run.</summary>
internal sealed record RecordedRun(string Program, IReadOnlyList<string> Arguments, TimeSpan Timeout, string? StandardInput,
    IReadOnlyDictionary<string, string>? Environment)
{
    public string CommandLine => string.Join(' ', [Program, .. Arguments]);
}

/// <summary>
/// Stands in for <see cref="ProcessRunner"/>: records every command and answers with the result the test
/// scripts for it (by default: exit code 0, no output).
/// </summary>
internal sealed class FakeProcessRunner : IProcessRunner
{
    private readonly Func<RecordedRun, ProcessResult> _answer;

    public FakeProcessRunner(Func<RecordedRun, ProcessResult>? answer = null) => _answer = answer ?? (_ => Exited(0));

    public List<RecordedRun> Runs { get; } = [];

    public Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken,
        string? standardInput = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = new RecordedRun(program, arguments.ToArray(), timeout, standardInput, environment is null ? null : new Dictionary<string, string>(environment));
        Runs.Add(run);
        return Task.FromResult(_answer(run));
    }

    public static ProcessResult Exited(int exitCode, string standardError = "") =>
        new(exitCode, "", standardError, false, TimeSpan.FromMilliseconds(20));

    public static ProcessResult TimedOut(TimeSpan after) => new(-1, "", "", true, after);
}
