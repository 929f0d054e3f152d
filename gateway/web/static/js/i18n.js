// Languages: Brazilian Portuguese (the original's) and English. The choice
// comes from the browser's languages until the person picks one, which is
// then remembered in localStorage (the only thing the app stores there).

const STORAGE_KEY = 'fotogal.lang';

// LANGUAGES lists the supported languages with their names in themselves.
export const LANGUAGES = [
  { code: 'pt-BR', name: 'Português (Brasil)' },
  { code: 'en', name: 'English' },
];

const MESSAGES = {
  en: {
    'app.tagline': 'Share your photos with the people who matter.',
    'skip': 'Skip to content',
    'lang.label': 'Language',
    'nav.main': 'Main',
    'nav.home': 'Timeline',
    'nav.explore': 'Explore',
    'nav.upload': 'New photo',
    'nav.requests': 'Requests',
    'nav.requestsCount': { one: '{n} follow request', other: '{n} follow requests' },
    'nav.notifications': 'Notifications',
    'nav.notificationsCount': { one: '{n} unread notification', other: '{n} unread notifications' },
    'nav.profile': 'Profile',
    'nav.settings': 'Settings',
    'nav.sessions': 'Sessions',
    'nav.logout': 'Log out',
    'nav.login': 'Log in',
    'nav.register': 'Sign up',

    'login.title': 'Log in',
    'login.email': 'Email',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.noAccount': 'No account yet?',
    'login.bad': 'Wrong email or password.',
    'register.title': 'Create your account',
    'register.fullName': 'Full name',
    'register.username': 'Username',
    'register.usernameHint': '4–30 letters, digits or underscores.',
    'register.passwordHint': 'At least 10 characters.',
    'register.submit': 'Sign up',
    'register.haveAccount': 'Already have an account?',

    'err.required': 'Fill this in.',
    'err.email': 'Enter a valid email address.',
    'err.username': 'Use 4–30 letters, digits or underscores.',
    'err.password': 'Use at least 10 characters and at most 128.',
    'err.emailTaken': 'This email is already registered.',
    'err.usernameTaken': 'This username is taken.',
    'err.tooLong': 'Use at most {n} characters.',
    'err.website': 'Enter an address that starts with http:// or https://.',
    'err.passwordMismatch': 'The passwords do not match.',
    'err.oldPassword': 'The current password is wrong.',
    'err.deletePassword': 'The password is wrong.',
    'err.tooMany': 'Too many attempts. Try again in {s} seconds.',
    'err.tooManyLater': 'Too many attempts. Try again later.',
    'err.network': 'Could not reach FotoGal. Check your connection and try again.',
    'err.generic': 'Something went wrong. Try again.',
    'err.unavailable': 'FotoGal is not available right now. Try again in a moment.',
    'err.forbidden': 'You are not allowed to do that.',
    'err.formSummary': 'Please fix the fields marked below.',

    'feed.title': 'Timeline',
    'feed.welcomeTitle': 'Welcome to FotoGal!',
    'feed.welcomeText': 'Follow people to see their photos here.',
    'feed.noPostsTitle': 'Nothing here yet',
    'feed.noPostsText': 'The people you follow have not posted yet.',
    'feed.suggestions': 'Suggestions for you',
    'feed.noSuggestions': 'No suggestions right now. Share your first photo!',
    'feed.end': 'You are all caught up.',
    'feed.shareFirst': 'Share a photo',
    'loading': 'Loading…',
    'retry': 'Try again',

    'follow.follow': 'Follow',
    'follow.followBack': 'Follow back',
    'follow.following': 'Following',
    'follow.requested': 'Requested',
    'follow.followsYou': 'Follows you',
    'follow.requestSent': 'Request sent to {u}.',
    'follow.nowFollowing': 'You are following {u}.',

    'react.like': 'Like',
    'react.dislike': 'Dislike',
    'react.likes': { one: '{n} like', other: '{n} likes' },
    'react.dislikes': { one: '{n} dislike', other: '{n} dislikes' },
    'react.failed': 'Your reaction was not saved. Try again.',

    'photo.alt': 'Photo by {name}',
    'photo.open': 'Open photo by {name}',

    'upload.title': 'New photo',
    'upload.drop': 'Drag a photo here',
    'upload.or': 'or',
    'upload.choose': 'Choose a file',
    'upload.change': 'Choose another photo',
    'upload.hint': 'PNG, JPEG, GIF or WebP, up to 16 MiB.',
    'upload.preview': 'Preview of the chosen photo',
    'upload.caption': 'Caption',
    'upload.captionCount': '{n} / {max}',
    'upload.submit': 'Share',
    'upload.cancel': 'Cancel',
    'upload.progress': 'Uploading… {p}',
    'upload.processing': 'Processing…',
    'upload.done': 'Photo shared.',
    'upload.cancelled': 'Upload cancelled.',
    'upload.noFile': 'Choose a photo first.',
    'upload.tooBig': 'This file is too big ({size}). The limit is 16 MiB.',
    'upload.tooBigServer': 'This file is too big for FotoGal.',
    'upload.wrongType': 'This file is not a supported image. Use PNG, JPEG, GIF or WebP.',

    'profile.posts': { one: 'post', other: 'posts' },
    'profile.followers': { one: 'follower', other: 'followers' },
    'profile.following': { one: 'following', other: 'following' },
    'profile.privateTitle': 'This account is private',
    'profile.privateText': 'Follow this account to see its photos.',
    'profile.edit': 'Edit profile',
    'profile.noPosts': 'No photos yet.',
    'profile.photos': 'Photos',
    'profile.professional': 'Professional',
    'notFound.title': 'This page is not available',
    'notFound.text': 'The link may be broken, or the page may have been removed.',
    'notFound.home': 'Go to the timeline',

    'people.followers': 'Followers',
    'people.following': 'Following',
    'people.of': '{name} (@{u})',
    'people.empty': 'Nobody here yet.',
    'people.remove': 'Remove',
    'people.removed': '{u} no longer follows you.',

    'requests.title': 'Follow requests',
    'requests.empty': 'No pending requests.',
    'requests.accept': 'Accept',
    'requests.reject': 'Reject',
    'requests.accepted': '{u} now follows you.',
    'requests.rejected': 'Request from {u} rejected.',

    'settings.title': 'Settings',
    'settings.profile': 'Profile',
    'settings.email': 'Email',
    'settings.bio': 'Bio',
    'settings.website': 'Website',
    'settings.gender': 'Gender',
    'settings.private': 'Private account',
    'settings.privateHint': 'Only followers you approve see your photos.',
    'settings.professional': 'Professional account',
    'settings.professionalHint': 'Your account comes first in the suggestions of whom to follow, and your profile shows a professional badge.',
    'settings.save': 'Save',
    'settings.saved': 'Profile saved.',
    'settings.avatar': 'Profile photo',
    'settings.changeAvatar': 'Change profile photo',
    'settings.avatarSaved': 'Profile photo updated.',
    'settings.password': 'Password',
    'settings.oldPassword': 'Current password',
    'settings.newPassword': 'New password',
    'settings.confirmPassword': 'Repeat the new password',
    'settings.changePassword': 'Change password',
    'settings.passwordChanged': { one: 'Password changed. {n} other session was ended.', other: 'Password changed. {n} other sessions were ended.' },
    'settings.blocked': 'Blocked accounts',
    'settings.blockedHint': 'They cannot see your photos or follow you, and you do not see theirs.',
    'settings.blockedEmpty': 'You have not blocked anyone.',
    'settings.muted': 'Muted accounts',
    'settings.mutedHint': 'Their photos do not show in your timeline; nothing else changes.',
    'settings.data': 'Your data',
    'settings.dataHint': 'A zip file with every photo you posted, your profile, followers, following, and the comments and reactions you made.',
    'settings.download': 'Download my data',
    'settings.delete': 'Delete account',
    'settings.deleteHint': 'Deletes your profile, photos, comments, reactions, followers and following for good. Your email can be used again at once; your username stays reserved for 30 days.',
    'settings.deletePassword': 'Your password',
    'settings.deleteAccount': 'Delete my account',
    'settings.deleteConfirm': 'Delete your account and everything in it? This cannot be undone.',
    'settings.deleted': 'Your account was deleted.',
    'settings.mutedEmpty': 'You have not muted anyone.',
    'settings.more': 'Load more',

    'sessions.title': 'Sessions',
    'sessions.intro': 'Where you are logged in. End any session you do not recognise.',
    'sessions.current': 'This device',
    'sessions.revoke': 'End session',
    'sessions.started': 'Started {t}',
    'sessions.expires': 'Expires {t}',
    'sessions.unknownDevice': 'Unknown device',
    'sessions.on': '{browser} on {os}',
    'sessions.revoked': 'Session ended.',

    'viewer.label': 'Photo',
    'viewer.close': 'Close',
    'viewer.delete': 'Delete',
    'viewer.confirmDelete': 'Delete this photo? This cannot be undone.',
    'viewer.confirm': 'Delete for good',
    'viewer.deleted': 'Photo deleted.',
    'viewer.editCaption': 'Edit caption',
    'viewer.save': 'Save',
    'viewer.cancel': 'Cancel',
    'viewer.captionSaved': 'Caption saved.',
    'viewer.notFound': 'This photo is not available.',
    'viewer.openOriginal': 'Original size',
    'viewer.previous': 'Previous photo',
    'viewer.next': 'Next photo',

    'comments.label': 'Comments',
    'comments.count': { one: '{n} comment', other: '{n} comments' },
    'comments.viewAll': { one: 'View {n} comment', other: 'View all {n} comments' },
    'comments.more': 'Load more comments',
    'comments.inputLabel': 'Add a comment',
    'comments.placeholder': 'Add a comment…',
    'comments.submit': 'Post',
    'comments.off': 'Comments are turned off for this photo.',
    'comments.invalid': 'Write 1 to {n} characters.',
    'comments.delete': 'Delete comment',
    'comments.deleted': 'Comment deleted.',
    'comments.turnOff': 'Turn comments off',
    'comments.turnOn': 'Turn comments on',
    'comments.turnedOff': 'Comments turned off.',
    'comments.turnedOn': 'Comments turned on.',

    'notifications.title': 'Notifications',
    'notifications.empty': 'Nothing yet. Likes, comments, mentions and new followers show up here.',
    'notifications.more': 'Load more',
    'notifications.unread': 'Unread',
    'notifications.photo': 'The photo',
    'notifications.like': '{name} liked your photo.',
    'notifications.comment': '{name} commented: {text}',
    'notifications.mention': '{name} mentioned you: {text}',
    'notifications.follow': '{name} started following you.',
    'notifications.followRequest': '{name} asked to follow you.',
    'notifications.requestAccepted': '{name} accepted your follow request.',
    'notifications.seeRequests': 'See requests',

    'search.label': 'Search people',
    'search.placeholder': 'Search',
    'search.results': 'People found',
    'search.empty': 'No one found for “{q}”.',
    'search.count': { one: '{n} person found', other: '{n} people found' },

    'tag.photos': 'Photos with {tag}',
    'tag.empty': 'No photos with {tag} yet.',

    'explore.title': 'Explore',
    'explore.photos': 'Photos to explore',
    'explore.empty': 'Nothing to explore yet: photos of people you don’t follow will show up here.',

    'profile.more': 'More options',
    'profile.muted': 'Muted',
    'profile.blocked': 'You blocked this account.',
    'blocks.block': 'Block',
    'blocks.unblock': 'Unblock',
    'blocks.mute': 'Mute',
    'blocks.unmute': 'Unmute',
    'blocks.cancel': 'Cancel',
    'blocks.confirmTitle': 'Block {u}?',
    'blocks.confirmText': '{u} will not be able to see your photos or follow you, and you will not see theirs. The follows between you end, both ways, and do not come back if you unblock.',
    'blocks.blocked': 'You blocked {u}.',
    'blocks.unblocked': 'You unblocked {u}.',
    'blocks.muted': 'You muted {u}: their photos no longer show in your timeline.',
    'blocks.unmuted': 'You unmuted {u}.',
  },
  'pt-BR': {
    'app.tagline': 'Compartilhe suas fotos com quem importa.',
    'skip': 'Pular para o conteúdo',
    'lang.label': 'Idioma',
    'nav.main': 'Principal',
    'nav.home': 'Início',
    'nav.explore': 'Explorar',
    'nav.upload': 'Nova foto',
    'nav.requests': 'Solicitações',
    'nav.requestsCount': { one: '{n} solicitação para seguir', other: '{n} solicitações para seguir' },
    'nav.notifications': 'Notificações',
    'nav.notificationsCount': { one: '{n} notificação não lida', other: '{n} notificações não lidas' },
    'nav.profile': 'Perfil',
    'nav.settings': 'Configurações',
    'nav.sessions': 'Sessões',
    'nav.logout': 'Sair',
    'nav.login': 'Entrar',
    'nav.register': 'Cadastre-se',

    'login.title': 'Entrar',
    'login.email': 'E-mail',
    'login.password': 'Senha',
    'login.submit': 'Entrar',
    'login.noAccount': 'Ainda não tem uma conta?',
    'login.bad': 'E-mail ou senha incorretos.',
    'register.title': 'Crie sua conta',
    'register.fullName': 'Nome completo',
    'register.username': 'Nome de usuário',
    'register.usernameHint': 'De 4 a 30 letras, números ou sublinhados.',
    'register.passwordHint': 'No mínimo 10 caracteres.',
    'register.submit': 'Cadastrar',
    'register.haveAccount': 'Já tem uma conta?',

    'err.required': 'Preencha este campo.',
    'err.email': 'Informe um e-mail válido.',
    'err.username': 'Use de 4 a 30 letras, números ou sublinhados.',
    'err.password': 'Use no mínimo 10 e no máximo 128 caracteres.',
    'err.emailTaken': 'Este e-mail já está cadastrado.',
    'err.usernameTaken': 'Este nome de usuário já está em uso.',
    'err.tooLong': 'Use no máximo {n} caracteres.',
    'err.website': 'Informe um endereço que comece com http:// ou https://.',
    'err.passwordMismatch': 'As senhas não coincidem.',
    'err.oldPassword': 'A senha atual está incorreta.',
    'err.deletePassword': 'A senha está incorreta.',
    'err.tooMany': 'Muitas tentativas. Tente novamente em {s} segundos.',
    'err.tooManyLater': 'Muitas tentativas. Tente novamente mais tarde.',
    'err.network': 'Não foi possível conectar ao FotoGal. Verifique sua conexão e tente novamente.',
    'err.generic': 'Algo deu errado. Tente novamente.',
    'err.unavailable': 'O FotoGal não está disponível agora. Tente novamente em instantes.',
    'err.forbidden': 'Você não tem permissão para fazer isso.',
    'err.formSummary': 'Corrija os campos indicados abaixo.',

    'feed.title': 'Linha do tempo',
    'feed.welcomeTitle': 'Boas-vindas ao FotoGal!',
    'feed.welcomeText': 'Siga pessoas para ver as fotos delas aqui.',
    'feed.noPostsTitle': 'Nada por aqui ainda',
    'feed.noPostsText': 'As pessoas que você segue ainda não publicaram.',
    'feed.suggestions': 'Sugestões para você',
    'feed.noSuggestions': 'Nenhuma sugestão no momento. Publique sua primeira foto!',
    'feed.end': 'Você já viu tudo.',
    'feed.shareFirst': 'Publicar uma foto',
    'loading': 'Carregando…',
    'retry': 'Tentar novamente',

    'follow.follow': 'Seguir',
    'follow.followBack': 'Seguir de volta',
    'follow.following': 'Seguindo',
    'follow.requested': 'Solicitado',
    'follow.followsYou': 'Segue você',
    'follow.requestSent': 'Solicitação enviada para {u}.',
    'follow.nowFollowing': 'Você está seguindo {u}.',

    'react.like': 'Curtir',
    'react.dislike': 'Não curtir',
    'react.likes': { one: '{n} curtida', other: '{n} curtidas' },
    'react.dislikes': { one: '{n} descurtida', other: '{n} descurtidas' },
    'react.failed': 'Sua reação não foi salva. Tente novamente.',

    'photo.alt': 'Foto de {name}',
    'photo.open': 'Abrir foto de {name}',

    'upload.title': 'Nova foto',
    'upload.drop': 'Arraste uma foto para cá',
    'upload.or': 'ou',
    'upload.choose': 'Escolha um arquivo',
    'upload.change': 'Escolher outra foto',
    'upload.hint': 'PNG, JPEG, GIF ou WebP, até 16 MiB.',
    'upload.preview': 'Prévia da foto escolhida',
    'upload.caption': 'Legenda',
    'upload.captionCount': '{n} / {max}',
    'upload.submit': 'Publicar',
    'upload.cancel': 'Cancelar',
    'upload.progress': 'Enviando… {p}',
    'upload.processing': 'Processando…',
    'upload.done': 'Foto publicada.',
    'upload.cancelled': 'Envio cancelado.',
    'upload.noFile': 'Escolha uma foto primeiro.',
    'upload.tooBig': 'Este arquivo é grande demais ({size}). O limite é 16 MiB.',
    'upload.tooBigServer': 'Este arquivo é grande demais para o FotoGal.',
    'upload.wrongType': 'Este arquivo não é uma imagem aceita. Use PNG, JPEG, GIF ou WebP.',

    'profile.posts': { one: 'publicação', other: 'publicações' },
    'profile.followers': { one: 'seguidor', other: 'seguidores' },
    'profile.following': { one: 'seguindo', other: 'seguindo' },
    'profile.privateTitle': 'Esta conta é privada',
    'profile.privateText': 'Siga esta conta para ver as fotos dela.',
    'profile.edit': 'Editar perfil',
    'profile.noPosts': 'Nenhuma foto ainda.',
    'profile.photos': 'Fotos',
    'profile.professional': 'Profissional',
    'notFound.title': 'Esta página não está disponível',
    'notFound.text': 'O link pode estar quebrado, ou a página pode ter sido removida.',
    'notFound.home': 'Ir para a linha do tempo',

    'people.followers': 'Seguidores',
    'people.following': 'Seguindo',
    'people.of': '{name} (@{u})',
    'people.empty': 'Ninguém aqui ainda.',
    'people.remove': 'Remover',
    'people.removed': '{u} não segue mais você.',

    'requests.title': 'Solicitações para seguir',
    'requests.empty': 'Nenhuma solicitação pendente.',
    'requests.accept': 'Aceitar',
    'requests.reject': 'Recusar',
    'requests.accepted': '{u} agora segue você.',
    'requests.rejected': 'Solicitação de {u} recusada.',

    'settings.title': 'Configurações',
    'settings.profile': 'Perfil',
    'settings.email': 'E-mail',
    'settings.bio': 'Biografia',
    'settings.website': 'Site',
    'settings.gender': 'Gênero',
    'settings.private': 'Conta privada',
    'settings.privateHint': 'Só os seguidores que você aprovar veem suas fotos.',
    'settings.professional': 'Conta profissional',
    'settings.professionalHint': 'Sua conta aparece primeiro nas sugestões de quem seguir, e seu perfil mostra um selo de profissional.',
    'settings.save': 'Salvar',
    'settings.saved': 'Perfil salvo.',
    'settings.avatar': 'Foto do perfil',
    'settings.changeAvatar': 'Trocar foto do perfil',
    'settings.avatarSaved': 'Foto do perfil atualizada.',
    'settings.password': 'Senha',
    'settings.oldPassword': 'Senha atual',
    'settings.newPassword': 'Nova senha',
    'settings.confirmPassword': 'Repita a nova senha',
    'settings.changePassword': 'Alterar senha',
    'settings.passwordChanged': { one: 'Senha alterada. {n} outra sessão foi encerrada.', other: 'Senha alterada. {n} outras sessões foram encerradas.' },
    'settings.blocked': 'Contas bloqueadas',
    'settings.blockedHint': 'Elas não podem ver suas fotos nem seguir você, e você não vê as fotos delas.',
    'settings.blockedEmpty': 'Você não bloqueou ninguém.',
    'settings.muted': 'Contas silenciadas',
    'settings.mutedHint': 'As fotos delas não aparecem na sua linha do tempo; nada mais muda.',
    'settings.data': 'Seus dados',
    'settings.dataHint': 'Um arquivo zip com todas as fotos que você publicou, seu perfil, seguidores, quem você segue e os comentários e reações que você fez.',
    'settings.download': 'Baixar meus dados',
    'settings.delete': 'Excluir conta',
    'settings.deleteHint': 'Exclui para sempre seu perfil, fotos, comentários, reações, seguidores e quem você segue. Seu e-mail pode ser usado de novo na hora; seu nome de usuário fica reservado por 30 dias.',
    'settings.deletePassword': 'Sua senha',
    'settings.deleteAccount': 'Excluir minha conta',
    'settings.deleteConfirm': 'Excluir sua conta e tudo o que há nela? Não dá para desfazer.',
    'settings.deleted': 'Sua conta foi excluída.',
    'settings.mutedEmpty': 'Você não silenciou ninguém.',
    'settings.more': 'Carregar mais',

    'sessions.title': 'Sessões',
    'sessions.intro': 'Onde você está conectado. Encerre qualquer sessão que não reconheça.',
    'sessions.current': 'Este dispositivo',
    'sessions.revoke': 'Encerrar sessão',
    'sessions.started': 'Iniciada {t}',
    'sessions.expires': 'Expira {t}',
    'sessions.unknownDevice': 'Dispositivo desconhecido',
    'sessions.on': '{browser} em {os}',
    'sessions.revoked': 'Sessão encerrada.',

    'viewer.label': 'Foto',
    'viewer.close': 'Fechar',
    'viewer.delete': 'Excluir',
    'viewer.confirmDelete': 'Excluir esta foto? Não é possível desfazer.',
    'viewer.confirm': 'Excluir de vez',
    'viewer.deleted': 'Foto excluída.',
    'viewer.editCaption': 'Editar legenda',
    'viewer.save': 'Salvar',
    'viewer.cancel': 'Cancelar',
    'viewer.captionSaved': 'Legenda salva.',
    'viewer.notFound': 'Esta foto não está disponível.',
    'viewer.openOriginal': 'Tamanho original',
    'viewer.previous': 'Foto anterior',
    'viewer.next': 'Próxima foto',

    'comments.label': 'Comentários',
    'comments.count': { one: '{n} comentário', other: '{n} comentários' },
    'comments.viewAll': { one: 'Ver {n} comentário', other: 'Ver todos os {n} comentários' },
    'comments.more': 'Carregar mais comentários',
    'comments.inputLabel': 'Adicione um comentário',
    'comments.placeholder': 'Adicione um comentário…',
    'comments.submit': 'Publicar',
    'comments.off': 'Os comentários estão desativados para esta foto.',
    'comments.invalid': 'Escreva de 1 a {n} caracteres.',
    'comments.delete': 'Excluir comentário',
    'comments.deleted': 'Comentário excluído.',
    'comments.turnOff': 'Desativar comentários',
    'comments.turnOn': 'Ativar comentários',
    'comments.turnedOff': 'Comentários desativados.',
    'comments.turnedOn': 'Comentários ativados.',

    'notifications.title': 'Notificações',
    'notifications.empty': 'Nada ainda. Curtidas, comentários, menções e novos seguidores aparecem aqui.',
    'notifications.more': 'Carregar mais',
    'notifications.unread': 'Não lida',
    'notifications.photo': 'A foto',
    'notifications.like': '{name} curtiu sua foto.',
    'notifications.comment': '{name} comentou: {text}',
    'notifications.mention': '{name} mencionou você: {text}',
    'notifications.follow': '{name} começou a seguir você.',
    'notifications.followRequest': '{name} pediu para seguir você.',
    'notifications.requestAccepted': '{name} aceitou sua solicitação para seguir.',
    'notifications.seeRequests': 'Ver solicitações',

    'search.label': 'Pesquisar pessoas',
    'search.placeholder': 'Pesquisar',
    'search.results': 'Pessoas encontradas',
    'search.empty': 'Ninguém encontrado para “{q}”.',
    'search.count': { one: '{n} pessoa encontrada', other: '{n} pessoas encontradas' },

    'tag.photos': 'Fotos com {tag}',
    'tag.empty': 'Nenhuma foto com {tag} ainda.',

    'explore.title': 'Explorar',
    'explore.photos': 'Fotos para explorar',
    'explore.empty': 'Nada para explorar ainda: fotos de quem você não segue aparecem aqui.',

    'profile.more': 'Mais opções',
    'profile.muted': 'Silenciada',
    'profile.blocked': 'Você bloqueou esta conta.',
    'blocks.block': 'Bloquear',
    'blocks.unblock': 'Desbloquear',
    'blocks.mute': 'Silenciar',
    'blocks.unmute': 'Deixar de silenciar',
    'blocks.cancel': 'Cancelar',
    'blocks.confirmTitle': 'Bloquear {u}?',
    'blocks.confirmText': '{u} não poderá ver suas fotos nem seguir você, e você não verá as fotos dessa pessoa. Quem segue quem entre vocês deixa de seguir, nos dois sentidos, e isso não volta se você desbloquear.',
    'blocks.blocked': 'Você bloqueou {u}.',
    'blocks.unblocked': 'Você desbloqueou {u}.',
    'blocks.muted': 'Você silenciou {u}: as fotos dessa pessoa não aparecem mais na sua linha do tempo.',
    'blocks.unmuted': 'Você deixou de silenciar {u}.',
  },
};

let lang = initialLanguage();

function initialLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be unavailable (privacy settings); fall back to the browser.
  }
  if (stored && MESSAGES[stored]) return stored;
  for (const wanted of navigator.languages || [navigator.language || 'en']) {
    const lower = wanted.toLowerCase();
    if (lower.startsWith('pt')) return 'pt-BR';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

// language returns the current language code.
export function language() {
  return lang;
}

// setLanguage switches the language and remembers the choice.
export function setLanguage(code) {
  if (!MESSAGES[code]) return;
  lang = code;
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Not remembered, but still switched for this visit.
  }
  document.documentElement.lang = code;
}

// t returns the message for key with {name} placeholders filled from vars.
// A message with plural forms takes its count from vars.n.
export function t(key, vars = {}) {
  let msg = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key;
  if (typeof msg === 'object') {
    msg = msg[new Intl.PluralRules(lang).select(Number(vars.n ?? 0))] ?? msg.other;
  }
  return msg.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in vars)) return whole;
    return name === 'n' ? formatNumber(vars.n) : String(vars[name]);
  });
}

// tParts is t for a message whose placeholders are filled with nodes (a link
// to a person, a text with mentions): it returns the message as a list of
// strings and the values of vars, in order, for dom.js's h or append.
export function tParts(key, vars = {}) {
  let msg = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key;
  if (typeof msg === 'object') msg = msg.other;
  return msg.split(/\{(\w+)\}/)
    .map((part, i) => (i % 2 === 0 ? part : vars[part] ?? `{${part}}`))
    .filter((part) => part !== '');
}

// formatNumber formats a count for the current language (int64 counts
// arrive as strings); large ones compactly (12,3 mil / 12.3K).
export function formatNumber(value) {
  const n = Number(value) || 0;
  const options = Math.abs(n) >= 10000 ? { notation: 'compact', maximumFractionDigits: 1 } : {};
  return new Intl.NumberFormat(lang, options).format(n);
}

// formatBytes formats a size in bytes (1 decimal, binary units).
export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: i ? 1 : 0 }).format(n)} ${units[i]}`;
}

// formatPercent formats a fraction between 0 and 1 as a percentage.
export function formatPercent(fraction) {
  return new Intl.NumberFormat(lang, { style: 'percent' }).format(fraction);
}

const RELATIVE_STEPS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

// relativeTime says how long ago (or in how long) a time is: "3 hours ago",
// "há 3 horas", "in 6 days".
export function relativeTime(iso, now = Date.now()) {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(0, 'second');
}

// formatDateTime formats a time in full, for tooltips and lists.
export function formatDateTime(iso) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
}
