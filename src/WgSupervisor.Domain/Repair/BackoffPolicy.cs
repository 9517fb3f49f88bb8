namespace WgSupervisor.Domain.Repair;

/// <summary>
/// Exponential backoff with full jitter: the delay after the n-th failed attempt (n from 1) is uniform in
/// [floor, min(Cap, Base * Factor^(n-1))]. The floor (a tenth of the bound) keeps a run of unlucky draws
/// from turning backoff into a hot loop. Climbing to a rung not yet tried waits only <see cref="Escalation"/>:
/// the cheap rungs are tried quickly, and backoff grows on the rung where the ladder tops out.
/// </summary>
public sealed record BackoffPolicy(TimeSpan Base, double Factor, TimeSpan Cap)
{
    // Declared before Default: static fields initialise in order, and Default reads it.
    public static readonly TimeSpan DefaultEscalation = TimeSpan.FromSeconds(1);

    public static readonly BackoffPolicy Default = new(TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromMinutes(5));

    /// <summary>The pause before climbing to the next, untried rung (never longer than <see cref="Base"/>).</summary>
    public TimeSpan Escalation { get; init; } = DefaultEscalation;

    public TimeSpan EscalationDelay => Escalation < Base ? Escalation : Base;

    /// <summary>The upper bound of the delay after <paramref name="failedAttempts"/> failures in a row.</summary>
    public TimeSpan Bound(int failedAttempts)
    {
        var exponent = Math.Max(0, failedAttempts - 1);
        var seconds = Base.TotalSeconds * Math.Pow(Factor, exponent);
        return double.IsFinite(seconds) && seconds < Cap.TotalSeconds ? TimeSpan.FromSeconds(seconds) : Cap;
    }

    /// <param name="unitRandom">A draw in [0, 1]; injected so that tests and replays are deterministic.</param>
    public TimeSpan Delay(int failedAttempts, double unitRandom)
    {
        var bound = Bound(failedAttempts);
        var floor = bound / 10;
        return floor + (bound - floor) * Math.Clamp(unitRandom, 0, 1);
    }
}
