// The API's password policy (imagedrive/auth/passwords.py), checked as the user types so the rules
// are clear before the server refuses. The server stays the judge; its message is always shown.
export const PASSWORD_MIN = 12
export const PASSWORD_MAX = 128
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{1,62}$/

export interface PolicyCheck {
  length: boolean
  noUsername: boolean
  distinct: boolean
}

export function checkPassword(password: string, username: string): PolicyCheck {
  const normalised = password.normalize('NFKC')
  const length = [...normalised].length
  return {
    length: length >= PASSWORD_MIN && length <= PASSWORD_MAX,
    noUsername: !username || !normalised.toLowerCase().includes(username.toLowerCase()),
    distinct: new Set(normalised).size >= 4,
  }
}

export function passwordAcceptable(password: string, username: string): boolean {
  return Object.values(checkPassword(password, username)).every(Boolean)
}
