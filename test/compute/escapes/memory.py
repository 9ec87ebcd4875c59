"""Allocates (and touches) 16 MiB at a time, up to 4 GiB, noting its progress in /data/outputs/progress."""
hold = []
for step in range(1, 257):
    hold.append(bytearray(16 << 20))  # zero-filled by the kernel on first touch: bytearray writes every page
    with open('/data/outputs/progress', 'w') as out:
        out.write(str(step * 16))
print('allocated 4 GiB unhindered')
