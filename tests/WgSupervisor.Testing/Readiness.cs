using System.Diagnostics;

namespace WgSupervisor.Testing;

/// <summary>Waiting for a readiness signal (an answer, a state, a line), never for a fixed time: bounded in time and in count.</summary>
public static class Readiness
{
    public static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(250);
    private const int MaxAttempts = 10_000;

    /// <summary>Polls <paramref name="condition"/> until it holds; after <paramref name="limit"/> throws a TimeoutException that says what
    /// was awaited and, from <paramref name="context"/>, what the process said.</summary>
    public static async Task WaitUntilAsync(string what, TimeSpan limit, Func<Task<bool>> condition, Func<string>? context = null,
        TimeSpan? poll = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; clock.Elapsed < limit && attempt < MaxAttempts; attempt++)
        {
            if (await condition()) return;
            await Task.Delay(poll ?? DefaultPoll, cancellationToken);
        }
        throw new TimeoutException($"waited {limit.TotalSeconds:0} s for: {what}{(context is null ? "" : "\n" + context())}");
    }
}
