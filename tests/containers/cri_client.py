#!/usr/bin/env python3
"""Drives containerd's CRI plugin as the kubelet does, through a gRPC client generated
(at run time, with grpcio-tools) from the CRI proto Debian ships: RunPodSandbox with a
runtime handler, CreateContainer, StartContainer, ContainerStatus until the container
exits, then the CRI log file; then StopPodSandbox and RemovePodSandbox.

Usage: cri_client.py SOCKET PROTO_DIR HANDLER IMAGE LOG_DIR NAME [ARG...]
Prints the container's exit code and its log lines (stream and text) as JSON."""
import json, os, subprocess, sys, tempfile, time, uuid

def load_api(proto_dir):
    # gogo's options only matter to Go code generators: drop them.
    out = tempfile.mkdtemp(prefix="cri-api-")
    src = open(os.path.join(proto_dir, "api.proto")).read()
    src = "\n".join(l for l in src.splitlines() if "gogo" not in l)
    open(os.path.join(out, "api.proto"), "w").write(src)
    subprocess.check_call([sys.executable, "-m", "grpc_tools.protoc", "-I", out,
                           "--python_out", out, "--grpc_python_out", out,
                           os.path.join(out, "api.proto")])
    sys.path.insert(0, out)
    import api_pb2, api_pb2_grpc
    return api_pb2, api_pb2_grpc

def main(sock, proto_dir, handler, image, log_dir, name, *args):
    import grpc
    pb, rpc = load_api(proto_dir)
    channel = grpc.insecure_channel("unix://" + sock)
    runtime = rpc.RuntimeServiceStub(channel)
    version = runtime.Version(pb.VersionRequest(version="v1"), timeout=30)
    uid = uuid.uuid4().hex[:8]
    pod_config = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name="wedge-pod-" + name, uid=uid, namespace="default"),
        log_directory=log_dir,
        linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
            namespace_options=pb.NamespaceOption(network=pb.NODE))))
    pod = runtime.RunPodSandbox(pb.RunPodSandboxRequest(config=pod_config, runtime_handler=handler),
                                timeout=120).pod_sandbox_id
    result = {"runtime": version.runtime_name + " " + version.runtime_version}
    try:
        config = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name),
            image=pb.ImageSpec(image=image),
            args=list(args),
            envs=[pb.KeyValue(key="GREETING", value="hello from CRI")],
            log_path=name + ".log")
        cid = runtime.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=pod, config=config, sandbox_config=pod_config), timeout=120).container_id
        runtime.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=120)
        deadline = time.time() + 120
        while True:
            status = runtime.ContainerStatus(pb.ContainerStatusRequest(container_id=cid), timeout=30).status
            if status.state == pb.CONTAINER_EXITED or time.time() > deadline:
                break
            time.sleep(0.1)
        result.update(state=pb.ContainerState.Name(status.state), exit_code=status.exit_code,
                      reason=status.reason, log_path=status.log_path)
        # CRI log lines: "<time> <stream> <P|F> <text>".
        lines = []
        with open(status.log_path) as f:
            for line in f:
                _, stream, _, text = line.rstrip("\n").split(" ", 3)
                lines.append([stream, text])
        result["log"] = lines
        runtime.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
    finally:
        runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=60)
        runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)
    print(json.dumps(result))

if __name__ == "__main__":
    main(*sys.argv[1:])
