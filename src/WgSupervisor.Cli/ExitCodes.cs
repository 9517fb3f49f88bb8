namespace WgSupervisor.Cli;

/// <summary>What wgsup's exit status means; scripts rely on these, so they never change.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The supervisor answered but said no (404 unknown tunnel, 409 not possible now, 401 no or wrong token, 5xx).</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong (unknown command or option, bad value), or the API rejected a parameter (400).</summary>
    public const int Usage = 2;

    /// <summary>No answer: connection refused, time-out, unknown host, connection dropped.</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted by Ctrl-C before an answer came (the shell's convention, 128 + SIGINT); `watch` ends with 0 instead.</summary>
    public const int Interrupted = 130;
}
