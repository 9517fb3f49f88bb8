namespace WgSupervisor.WireGuard.Processes;

/// <summary>Builds command lines that run inside a network namespace (null: the host's own).</summary>
public static class NetworkNamespace
{
    public const string Ip = "ip";

    /// <summary>`ip netns exec NS program args...`, or `program args...` outside namespaces.</summary>
    public static (string Program, IReadOnlyList<string> Arguments) Wrap(string? networkNamespace, string program, params string[] arguments) =>
        networkNamespace is null
            ? (program, arguments)
            : (Ip, ["netns", "exec", networkNamespace, program, .. arguments]);

    /// <summary>
    /// The same, in a new session: a daemon the command forks (wireguard-go) must not share the supervisor's
    /// process group, or a Ctrl-C or a signal to the group would take the tunnel down with the supervisor.
    /// </summary>
    public static (string Program, IReadOnlyList<string> Arguments) WrapDetached(string? networkNamespace, string program, params string[] arguments)
    {
        var (wrapped, wrappedArguments) = Wrap(networkNamespace, program, arguments);
        return ("setsid", [wrapped, .. wrappedArguments]);
    }

    /// <summary>`ip -n NS args...`: ip's own namespace switch, without an exec.</summary>
    public static IReadOnlyList<string> IpArguments(string? networkNamespace, params string[] arguments) =>
        networkNamespace is null ? arguments : ["-n", networkNamespace, .. arguments];
}
