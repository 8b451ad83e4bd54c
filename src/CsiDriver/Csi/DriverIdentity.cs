namespace CsiDriver.Csi;

/// <summary>Who this driver says it is to kubelet.</summary>
public sealed record DriverIdentity(string Name, string Version, string NodeId);
