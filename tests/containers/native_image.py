#!/usr/bin/env python3
"""Writes an OCI image tarball (for `ctr images import`) holding one static Linux program
as /PROGRAM, its entrypoint: the pause image of the CRI test, and the native hello that
the benchmark runs under runc. Usage: native_image.py PROGRAM NAME:TAG OUT.tar"""
import hashlib, io, json, os, sys, tarfile

def blob(data, media_type):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return {"mediaType": media_type, "digest": digest, "size": len(data)}, data

def add(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))

def main(program, name, out):
    binary = open(program, "rb").read()
    base = os.path.basename(program)
    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        add(t, base, binary, 0o755)
    layer_desc, layer = blob(layer_buf.getvalue(), "application/vnd.oci.image.layer.v1.tar")
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Entrypoint": ["/" + base]},
              "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]}}
    config_desc, config = blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": [layer_desc]}
    manifest_desc, manifest = blob(json.dumps(manifest).encode(), manifest["mediaType"])
    manifest_desc["platform"] = {"architecture": "amd64", "os": "linux"}
    manifest_desc["annotations"] = {"io.containerd.image.name": name,
                                    "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [manifest_desc]}
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
        add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add(t, "index.json", json.dumps(index).encode())
        for desc, data in ((config_desc, config), (layer_desc, layer), (manifest_desc, manifest)):
            add(t, "blobs/sha256/" + desc["digest"][7:], data)

if __name__ == "__main__":
    main(*sys.argv[1:])
